"""The applications table (type and visibility in words) and the list of an agent's app installs."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.message import Message

from doover_tui.api.models import AppInstall, Application
from doover_tui.app_config import install_status_words, sync_words, type_words, visibility_words
from doover_tui.literal import printable
from doover_tui.widgets.row_list import Column, RowList

INSTALLED_GLYPH = "●"
NAME_MIN_WIDTH = 16
"""Below this, the install table's name columns take cells from the version, status and sync columns."""
SQUEEZED_WIDTHS = (None, None, 7, 9, 8)
"""The install table's column widths when space is short (names flexible)."""


def _line(text: str) -> Text:
    """Device or server text as one literal line."""
    return Text(printable(text))


class ApplicationTable(RowList[Application]):
    """Applications, one per row: installed-on-the-agent mark, name, display name, type, visibility, description.

    Keys are RowList's (``rows.*`` ids): up/down, pageup/pagedown, home/g, end/G, and enter to choose.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"application-table--installed"}

    DEFAULT_CSS = """
    ApplicationTable {
        & > .application-table--installed { color: $text-success; }
    }
    """

    @dataclass
    class ApplicationHighlighted(Message):
        """The cursor moved to an application."""

        application_table: ApplicationTable
        """The table that posted this."""
        application: Application
        """The application under the cursor."""

        @property
        def control(self) -> ApplicationTable:
            """The table that posted this."""
            return self.application_table

    @dataclass
    class ApplicationChosen(ApplicationHighlighted):
        """Enter or a click chose an application."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        columns = (
            Column("", width=1),
            Column("Name", width=17),
            Column("Display name", width=17),
            Column("Type", width=16),
            Column("Visibility", width=10),
            Column("Description"),
        )
        super().__init__(columns, name=name, id=id, classes=classes)
        self._installed: frozenset[str] = frozenset()

    @property
    def highlighted_application(self) -> Application | None:
        """The application under the cursor."""
        return self.cursor_row

    def show(self, applications: Sequence[Application]) -> None:
        """Show these applications, keeping the cursor on the same one when it is still there."""
        self.set_rows(list(applications))

    def mark_installed(self, application_ids: Collection[str]) -> None:
        """Mark the applications installed on the agent in view."""
        self._installed = frozenset(application_ids)
        self.refresh_rows()

    def select_application(self, application_id: str) -> bool:
        """Move the cursor to an application; False when it is not shown."""
        return self.select_key(application_id)

    def row_key(self, row: Application) -> Hashable:
        """Applications are keyed by id."""
        return row.id

    def row_cells(self, row: Application) -> Sequence[Text]:
        """The mark, name, display name, type and visibility in words, first line of the description."""
        installed = row.id in self._installed
        style = self.get_component_rich_style("application-table--installed", partial=True) if installed else ""
        description = row.description.splitlines()[0] if row.description.strip() else ""
        return [
            Text(INSTALLED_GLYPH if installed else "", style=style),
            _line(row.name),
            _line(row.display_name),
            Text(type_words(row.type)),
            Text(visibility_words(row.visibility)),
            _line(description),
        ]

    def cursor_moved(self, index: int) -> None:
        """Say which application the cursor is on."""
        self.post_message(self.ApplicationHighlighted(self, self.rows[index]))

    def row_chosen(self, index: int) -> None:
        """Say which application was chosen."""
        self.post_message(self.ApplicationChosen(self, self.rows[index]))


class InstallTable(RowList[AppInstall]):
    """An agent's app installs: application, install name, version, deployment status and sync state in words.

    Keys are RowList's; enter chooses an install (the screen then shows its application).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"install-table--failed", "install-table--running"}

    DEFAULT_CSS = """
    InstallTable {
        & > .install-table--failed { color: $text-error; }
        & > .install-table--running { color: $text-success; }
    }
    """

    @dataclass
    class InstallChosen(Message):
        """Enter or a click chose an install."""

        install_table: InstallTable
        """The table that posted this."""
        install: AppInstall
        """The install chosen."""

        @property
        def control(self) -> InstallTable:
            """The table that posted this."""
            return self.install_table

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        columns = (
            Column("Application"),
            Column("Install"),
            Column("Version", width=9),
            Column("Status", width=14),
            Column("Synced", width=13),
        )
        super().__init__(columns, name=name, id=id, classes=classes)

    def column_widths(self, total: int) -> list[int]:
        """The names come first: when they would get under ``NAME_MIN_WIDTH``, the other columns narrow."""
        widths = super().column_widths(total)
        if min(widths[0], widths[1]) >= NAME_MIN_WIDTH:
            return widths
        fixed = sum(width for width in SQUEEZED_WIDTHS if width is not None) + len(SQUEEZED_WIDTHS) - 1
        share = max(0, total - fixed) // 2
        return [share if width is None else width for width in SQUEEZED_WIDTHS]

    def show(self, installs: Sequence[AppInstall]) -> None:
        """Show these installs."""
        self.set_rows(list(installs))

    def row_key(self, row: AppInstall) -> Hashable:
        """Installs are keyed by id."""
        return row.id

    def row_cells(self, row: AppInstall) -> Sequence[Text]:
        """Application, install name, version, status and sync state."""
        status_class = {"FAI": "failed", "RUN": "running"}.get(row.status)
        style = self.get_component_rich_style(f"install-table--{status_class}", partial=True) if status_class else ""
        return [
            _line(row.application_name),
            _line(row.display_name or row.name),
            _line(row.version or "—"),
            Text(install_status_words(row.status), style=style),
            Text(sync_words(row.synced)),
        ]

    def cursor_moved(self, index: int) -> None:
        """Moving along installs says nothing: only choosing one does."""

    def row_chosen(self, index: int) -> None:
        """Say which install was chosen."""
        self.post_message(self.InstallChosen(self, self.rows[index]))
