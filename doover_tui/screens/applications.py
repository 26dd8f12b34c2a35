"""The applications area: the application table, the selected agent's installs, and the application's detail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Input
from textual.worker import Worker

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Agent, Application
from doover_tui.app_config import main_config
from doover_tui.screens.applications_actions import ApplicationActions
from doover_tui.screens.applications_detail import ApplicationDetail
from doover_tui.screens.applications_installs import InstallsPane
from doover_tui.screens.browser_support import BrowserOptions, status_facts
from doover_tui.screens.json_modal import JsonModal
from doover_tui.screens.worker_errors import notify_failure, report_failed_worker
from doover_tui.store import Store
from doover_tui.store_events import ResourceRefreshed, StoreEvent
from doover_tui.widgets.application_table import ApplicationTable, InstallTable
from doover_tui.widgets.status_bar import StatusBar

SELECTION_SETTLE_SECONDS = 0.15
"""The detail follows the cursor once it rests this long (arrow-key runs stay fast)."""


def matches(application: Application, query: str) -> bool:
    """Whether the application's name or display name contains ``query`` (any case)."""
    folded = query.strip().casefold()
    return not folded or folded in application.name.casefold() or folded in application.display_name.casefold()


class ApplicationsScreen(ApplicationActions):
    """Applications from the control API, the selected agent's installs, and the detail of one application.

    | key | action |
    | --- | --- |
    | / | filter by name or display name |
    | e | edit display name and description (preview, then `y` sends) |
    | i | import from a doover_config.json (create or update) |
    | w | write the application into a doover_config.json |
    | s | main / staging view of the detail |
    | j | the configuration shown, as JSON |
    | r | reload |
    | enter | the application's detail (on its own when the screen is narrow) |
    | escape | close the filter / back to the table |
    """

    NARROW_WIDTH = 100
    """Below this many columns the detail is not beside the table: enter shows it alone, escape goes back."""

    AUTO_FOCUS = "#applications"

    DEFAULT_CSS = """
    ApplicationsScreen {
        #apps-panes { height: 1fr; }
        #apps-left { width: 60%; min-width: 50; }
        #apps-list-pane, #installs, #app-detail {
            border: round $panel-lighten-2;
            border-title-color: $text-muted;
        }
        #apps-list-pane { height: 1fr; }
        #installs { height: 9; }
        #install-table { height: 1fr; }
        #app-detail { width: 1fr; min-width: 40; }
        #apps-list-pane:focus-within, #installs:focus-within, #app-detail:focus-within {
            border: round $accent;
            border-title-color: $text;
        }
        #applications { height: 1fr; }
        #apps-filter { display: none; height: 3; }
        #apps-filter.-open { display: block; }
    }
    ApplicationsScreen.-narrow {
        #apps-left { width: 1fr; min-width: 0; }
        #app-detail { display: none; min-width: 0; }
    }
    ApplicationsScreen.-narrow.-detail-alone {
        #apps-left { display: none; }
        #app-detail { display: block; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="apps.filter"),
        Binding("e", "edit", "Edit", id="apps.edit"),
        Binding("i", "import_config", "Import", id="apps.import"),
        Binding("w", "write_config", "Write config", id="apps.write"),
        Binding("s", "toggle_staging", "Main/staging", id="apps.staging"),
        Binding("j", "show_json", "JSON", show=False, id="apps.json"),
        Binding("r", "refresh", "Reload", id="apps.refresh"),
        Binding("escape", "back", "Back", show=False, id="apps.back"),
    ]

    def __init__(self, store: Store, options: BrowserOptions, current_agent: Callable[[], Agent | None]) -> None:
        super().__init__(store)
        self.options = options
        self.organisation = options.organisation
        self.current_agent = current_agent
        self.applications: list[Application] = []
        """Every application loaded (the table shows the filtered ones)."""
        self._settle: Timer | None = None
        self._note = ""
        self._stop_listening: Callable[[], None] = lambda: None

    def compose(self) -> ComposeResult:
        """Table and installs on the left, detail on the right, then status bar and footer."""
        with Horizontal(id="apps-panes"):
            with Vertical(id="apps-left"):
                with Vertical(id="apps-list-pane"):
                    yield Input(placeholder="filter: name or display name", id="apps-filter")
                    yield ApplicationTable(id="applications")
                yield InstallsPane(self.store, id="installs")
            yield ApplicationDetail(id="app-detail")
        yield StatusBar(id="apps-status")
        yield Footer()

    def on_mount(self) -> None:
        """Start loading and keep the status bar current."""
        self.query_one("#apps-list-pane").border_title = "Applications"
        self.query_one("#app-detail").border_title = "Detail"
        self._stop_listening = self.store.listen(self._on_store_event)
        self.set_interval(1.0, self.refresh_status)
        self.load_applications(False)
        self.query_one(InstallsPane).follow(self.current_agent())

    def on_unmount(self) -> None:
        """Stop hearing store events."""
        self._stop_listening()

    def on_screen_resume(self) -> None:
        """Back in this area: the browser may have moved to another agent."""
        if self.is_mounted:
            self.query_one(InstallsPane).follow(self.current_agent())

    def on_resize(self, event: events.Resize) -> None:
        """Switch the narrow layout on or off."""
        self.set_class(event.size.width < self.NARROW_WIDTH, "-narrow")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is reported (worker messages do not bubble to the app)."""
        report_failed_worker(self, event)

    # Loading -----------------------------------------------------------------------------

    @work(exclusive=True, group="applications", exit_on_error=False, description="load applications")
    async def load_applications(self, force: bool, select: str | None = None) -> None:
        """Fetch every application (all pages) and show them; then put the cursor on ``select`` (an id)."""
        self.refresh_status("loading applications…")
        try:
            result = await self.store.applications(force=force)
        except DooverError as exc:
            self.refresh_status(f"{exc.title}: {exc.detail}")
            notify_failure(self, exc)
            return
        self.show_applications(result.value, select)
        self.refresh_status("")

    def show_applications(self, applications: Sequence[Application], select: str | None = None) -> None:
        """Show the applications through the filter; keep (or move) the cursor, and refresh the detail."""
        # By name, so an application that was just changed stays where it was.
        self.applications = sorted(applications, key=lambda application: (application.name.casefold(), application.id))
        self._apply_filter()
        table = self.query_one(ApplicationTable)
        if select is not None and not table.select_application(select):
            self.query_one("#apps-filter", Input).value = ""
            self._apply_filter()
            table.select_application(select)
        self.show_detail(table.highlighted_application)

    def reload_and_select(self, application_id: str) -> None:
        """Read the applications again (a write invalidated them) and put the cursor on one."""
        self.load_applications(False, application_id)

    @on(InstallsPane.InstallsShown)
    def _installs_shown(self, event: InstallsPane.InstallsShown) -> None:
        self.query_one(ApplicationTable).mark_installed({install.application_id for install in event.installs})

    def _on_store_event(self, event: StoreEvent) -> None:
        if isinstance(event, ResourceRefreshed) and event.key == ("applications",):
            self.show_applications(event.value)

    # Selection and filter ----------------------------------------------------------------

    def _apply_filter(self) -> None:
        query = self.query_one("#apps-filter", Input).value
        shown = [application for application in self.applications if matches(application, query)]
        self.query_one(ApplicationTable).show(shown)
        total = len(self.applications)
        count = f"{len(shown):,}/{total:,}" if len(shown) != total else f"{total:,}"
        self.query_one("#apps-list-pane").border_title = Text(f"Applications {count}")
        highlighted = self.query_one(ApplicationTable).highlighted_application
        if highlighted is None or self.application is None or highlighted.id != self.application.id:
            self.show_detail(highlighted)  # an application the filter hides is never left in the detail
        self.refresh_bindings()

    def selected(self) -> Application | None:
        """The application under the table's cursor (a hidden one never is), with the detail brought up to date."""
        highlighted = self.query_one(ApplicationTable).highlighted_application
        if highlighted is not None and (self.application is None or self.application.id != highlighted.id):
            self.show_detail(highlighted)
        return highlighted

    @on(ApplicationTable.ApplicationHighlighted)
    def _highlighted(self, event: ApplicationTable.ApplicationHighlighted) -> None:
        if self._settle is not None:
            self._settle.stop()
        self._settle = self.set_timer(SELECTION_SETTLE_SECONDS, self._settled)

    def _settled(self) -> None:
        # The row under the cursor now, not the one that was: the filter may have hidden that one meanwhile.
        self.show_detail(self.query_one(ApplicationTable).highlighted_application)

    @on(ApplicationTable.ApplicationChosen)
    def _chosen(self, event: ApplicationTable.ApplicationChosen) -> None:
        self.show_detail(event.application)
        if self.has_class("-narrow"):
            self.add_class("-detail-alone")
            self.query_one(ApplicationDetail).focus()

    @on(InstallTable.InstallChosen)
    def _install_chosen(self, event: InstallTable.InstallChosen) -> None:
        table = self.query_one(ApplicationTable)
        if not table.select_application(event.install.application_id):
            self.query_one("#apps-filter", Input).value = ""
            self._apply_filter()
            if not table.select_application(event.install.application_id):
                self.notify("that application is not visible to you", severity="warning", markup=False)
                return
        self.show_detail(table.highlighted_application)
        table.focus()

    def show_detail(self, application: Application | None) -> None:
        """Show an application in the detail pane, in the current view (main or staging); None clears it."""
        if application is None:
            self.application = None
            self.query_one(ApplicationDetail).clear()
            self.refresh_bindings()
            return
        if self.application is None:
            self.refresh_bindings()
        self.application = application
        local = self.local.get(application.name)
        entry = local.entry if local is not None else None
        staging = application.staging_config
        if staging is None and entry is not None and isinstance(entry.get("staging_config"), dict):
            staging = entry["staging_config"]
        self.query_one(ApplicationDetail).show(application, main_config(application, entry), staging, self.staging_view)

    @on(Input.Changed, "#apps-filter")
    def _filter_changed(self) -> None:
        self._apply_filter()

    @on(Input.Submitted, "#apps-filter")
    def _filter_done(self) -> None:
        self.query_one(ApplicationTable).focus()

    # Actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Writes to the API are hidden in read-only mode; actions on an application need one selected."""
        if action in ("edit", "import_config") and self.store.read_only:
            return False
        if action in ("edit", "write_config", "show_json", "toggle_staging"):
            return self.is_mounted and self.query_one(ApplicationTable).highlighted_application is not None
        return True

    def action_filter(self) -> None:
        """Open the filter box."""
        box = self.query_one("#apps-filter", Input)
        box.add_class("-open")
        self.call_after_refresh(box.focus)  # focused at once, the box would also receive the "/"

    def action_back(self) -> None:
        """Escape: close the filter (clearing it), or go back to the table (from the detail alone, when narrow)."""
        self.remove_class("-detail-alone")
        box = self.query_one("#apps-filter", Input)
        if box.has_focus:
            box.value = ""
            box.remove_class("-open")
        self.query_one(ApplicationTable).focus()

    def action_refresh(self) -> None:
        """Reload the applications and the installs from the server."""
        self.load_applications(True, self.application.id if self.application else None)
        self.query_one(InstallsPane).reload()

    def action_toggle_staging(self) -> None:
        """Switch the detail between the main configuration and the staging view."""
        self.staging_view = not self.staging_view
        self.show_detail(self.selected())
        self.refresh_status("staging view" if self.staging_view else "main view")

    def action_show_json(self) -> None:
        """The configuration shown in the detail, as JSON."""
        detail = self.query_one(ApplicationDetail)
        application = self.selected()
        if application is not None:
            view = "staging" if self.staging_view else "main"
            self.app.push_screen(JsonModal(f"{application.name} ({view} configuration)", detail.shown))

    def refresh_status(self, note: str | None = None) -> None:
        """Recompute the status bar from the store."""
        if note is not None:
            self._note = note
        facts = status_facts(self.store, self.options, ("applications",), self._note)
        self.query_one("#apps-status", StatusBar).facts = facts
