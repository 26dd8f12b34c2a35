"""The applications screen's writes: edit, import from and write to doover_config.json (prompts and workers)."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.screen import Screen

from doover_tui.api.models import Application
from doover_tui.app_config import CONFIG_FILE_NAME
from doover_tui.literal import printable
from doover_tui.screens.applications_flows import (
    LocalConfig,
    edit_application,
    import_application,
    write_application,
)
from doover_tui.screens.prompt_modal import PromptModal
from doover_tui.store import Store

IMPORT_TITLE = "Import an application from which doover_config.json?"
IMPORT_HELP = (
    "Type the file's path (or its folder) and press Enter. A preview shows what will be sent: the main values,"
    " or the staging values if you switch to them there."
)
WRITE_HELP = (
    "Type the file's path (or its folder) and press Enter. A preview shows the changes to the application's entry"
    " before anything is written; other applications, and keys the API does not know, stay as they are."
)


class ApplicationActions(Screen[None]):
    """The base of ApplicationsScreen holding its write actions; the screen supplies the selection and the reload."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.application: Application | None = None
        """The application in the detail pane."""
        self.staging_view = False
        """The detail shows staging_config applied over the main values (imports choose their values in the preview)."""
        self.local: dict[str, LocalConfig] = {}
        """doover_config.json entries read or written this session, by application name."""
        self.organisation: str | None = None
        """The session's organisation id: where an imported application is created (unless its file names one)."""
        self.last_path = str(Path.cwd() / CONFIG_FILE_NAME)
        """The path last typed into a prompt (offered again)."""

    def reload_and_select(self, application_id: str) -> None:
        """Read the applications again and put the cursor on one (the screen does this)."""
        raise NotImplementedError

    def selected(self) -> Application | None:
        """The application under the cursor, never one the filter hides (the screen does this)."""
        raise NotImplementedError

    def action_edit(self) -> None:
        """Edit the selected application's display name and description."""
        application = self.selected()
        if application is not None:
            self.edit_worker(application)

    @work(exclusive=True, group="application-write", exit_on_error=False, description="edit application")
    async def edit_worker(self, application: Application) -> None:
        """Run the edit flow; show the result."""
        changed = await edit_application(self.app, self.store, application)
        if changed is not None:
            self.notify(printable(f"{changed.name} updated"), markup=False)
            self.reload_and_select(changed.id)

    def action_import_config(self) -> None:
        """Import an application from a doover_config.json (path first)."""
        self.app.push_screen(PromptModal(IMPORT_TITLE, IMPORT_HELP, value=self.last_path), self._import)

    def _import(self, path: str | None) -> None:
        if path:
            self.last_path = path
            self.import_worker(path)

    @work(exclusive=True, group="application-write", exit_on_error=False, description="import application")
    async def import_worker(self, path: str) -> None:
        """Run the import flow; remember the file's entry and show the application."""
        imported = await import_application(self.app, self.store, path, self.organisation)
        if imported is None:
            return
        self.local[imported.application.name] = imported.local
        if imported.outcome != "unchanged":  # the flow has said so already
            source = imported.local.path.name
            self.notify(printable(f"{imported.application.name} {imported.outcome} from {source}"), markup=False)
        self.reload_and_select(imported.application.id)

    def action_write_config(self) -> None:
        """Write the selected application into a doover_config.json (path first)."""
        application = self.selected()
        if application is not None:
            title = f"Write {application.name} into which doover_config.json?"
            prompt = PromptModal(title, WRITE_HELP, value=self.last_path)
            self.app.push_screen(prompt, lambda path: self._write(application, path))

    def _write(self, application: Application, path: str | None) -> None:
        if path:
            self.last_path = path
            self.write_worker(application, path)

    @work(exclusive=True, group="application-file", exit_on_error=False, description="write doover_config.json")
    async def write_worker(self, application: Application, path: str) -> None:
        """Run the write flow; remember the entry written."""
        known = self.local.get(application.name)
        written = await write_application(self.app, application, known.entry if known else None, path)
        if written is not None:
            self.local[application.name] = written
            self.reload_and_select(application.id)
