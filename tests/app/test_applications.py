"""The applications screen against the emulator: list, filter, detail, installs, edit, import, write-back, staging."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Markdown, Static, TextArea
from textual.widgets.markdown import MarkdownBlock

import doover_tui
from doover_tui.api.client import DooverClient
from doover_tui.api.models import Agent, Application
from doover_tui.app_config import CONFIG_FILE_NAME
from doover_tui.emulator.app import EmulatorConfig
from doover_tui.emulator.faults import FaultSpec
from doover_tui.emulator.server import RunningEmulator, running
from doover_tui.screens.applications import ApplicationsScreen
from doover_tui.screens.applications_detail import ApplicationDetail, schema_outline, schema_summary
from doover_tui.screens.applications_form import ApplicationFormModal
from doover_tui.screens.applications_preview import ABSENT, ApplicationPreviewModal, FieldChange
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.json_modal import JsonModal
from doover_tui.screens.prompt_modal import PromptModal
from doover_tui.store import Store
from doover_tui.widgets.application_table import ApplicationTable, InstallTable
from doover_tui.widgets.json_tree import JsonTree
from tests.app.harness import build_app, until, writer
from tests.emulator_fixtures import TOKEN

PUMP = "Pump Station Riverside"
STYLES = Path(doover_tui.__file__).parent / "styles" / "app.tcss"
SIZE = (150, 42)


class AppsApp(App[None]):
    """Only the applications screen, over a store, with the browser's agent given by name."""

    CSS_PATH = str(STYLES)

    def __init__(self, store: Store, options: BrowserOptions, agent_name: str | None) -> None:
        super().__init__()
        self.store = store
        self.options = options
        self.agent_name = agent_name
        self.agent: Agent | None = None

    def on_mount(self) -> None:
        self.run_worker(self._open(), exit_on_error=False)

    async def _open(self) -> None:
        if self.agent_name is not None:
            agents = (await self.store.agents()).value.agents
            self.agent = next(agent for agent in agents if agent.label == self.agent_name)
        await self.push_screen(ApplicationsScreen(self.store, self.options, lambda: self.agent))

    async def on_unmount(self) -> None:
        await self.store.aclose()


def apps_app(live: RunningEmulator, *, read_only: bool = False, agent: str | None = PUMP) -> AppsApp:
    shell = build_app(live, read_only=read_only)
    return AppsApp(shell.store, shell.options, agent)


async def opened(app: AppsApp, pilot: Pilot[Any]) -> ApplicationsScreen:
    def ready() -> bool:
        return isinstance(app.screen, ApplicationsScreen) and app.screen.application is not None

    await until(pilot, ready, "the applications")
    screen = app.screen
    assert isinstance(screen, ApplicationsScreen)
    return screen


def table_of(screen: ApplicationsScreen) -> ApplicationTable:
    return screen.query_one(ApplicationTable)


def names(screen: ApplicationsScreen) -> list[str]:
    return [application.name for application in table_of(screen).rows]


def cells(table: ApplicationTable | InstallTable, index: int) -> list[str]:
    row: Any = table.rows[index]
    return [cell.plain for cell in table.row_cells(row)]


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def select(pilot: Pilot[Any], screen: ApplicationsScreen, name: str) -> None:
    table = table_of(screen)
    table.focus()
    index = names(screen).index(name)
    table.select_key(table.rows[index].id)
    await until(pilot, lambda: screen.application is not None and screen.application.name == name, name)


async def modal(pilot: Pilot[Any], kind: type[Any]) -> Any:
    await until(pilot, lambda: isinstance(pilot.app.screen, kind), kind.__name__)
    return pilot.app.screen


async def answer_prompt(pilot: Pilot[Any], text: str) -> None:
    prompt = await modal(pilot, PromptModal)
    prompt.query_one(Input).value = text
    await pilot.press("enter")


async def server_app(live: RunningEmulator, name: str) -> Application | None:
    client = writer(live)
    try:
        return next((a for a in await client.control.applications(search=name) if a.name == name), None)
    finally:
        await client.aclose()


@pytest.fixture
def toasts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None, str]]:
    """Every notification raised: message, title, severity."""
    seen: list[tuple[str, str | None, str]] = []
    original = App.notify

    def spy(self: App[Any], message: str, *, title: str = "", severity: str = "information", **kw: Any) -> None:
        seen.append((message, title or None, severity))
        original(self, message, title=title, severity=severity, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(App, "notify", spy)
    return seen


def repo(tmp_path: Path, apps: dict[str, Any], readme: str | None = None) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir(exist_ok=True)
    if readme is not None:
        (folder / "README.md").write_text(readme)
    path = folder / CONFIG_FILE_NAME
    path.write_text(json.dumps(apps, indent=4))
    return path


SOIL: dict[str, Any] = {
    "name": "soil_probe",
    "display_name": "Soil Probe",
    "type": "DEV",
    "visibility": "PRI",
    "description": "Reads soil moisture.",
    "long_description": "README.md",
    "depends_on": [],
    "image_name": "ghcr.io/example/soil_probe:main",
    "repo_branch": "main",
    "config_schema": {"type": "object", "properties": {"depth": {"type": "number", "default": 0.3}}},
    "staging_config": {"image_name": "ghcr.io/example/soil_probe:staging", "display_name": "Soil Probe (staging)"},
}


# List, filter, detail, installs ------------------------------------------------------------


async def test_lists_every_application_in_words_and_filters(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        table = table_of(screen)
        assert len(table.rows) == 8
        report = cells(table, names(screen).index("daily_report"))
        assert report[3:5] == ["Report generator", "Private"]
        core = cells(table, names(screen).index("modbus_bridge"))
        assert core[3:5] == ["Integration", "Core"]
        await pilot.press("slash", *"PUMP")
        await until(pilot, lambda: names(screen) == ["pump_controller"], "the filter applied")
        await pilot.press("escape")
        await until(pilot, lambda: len(names(screen)) == 8, "the filter cleared")
        assert table.has_focus
        await pilot.press("slash", *"logger", "enter")
        await until(pilot, lambda: names(screen) == ["weather_logger"], "display names matched too")
        assert "1/8" in str(screen.query_one("#apps-list-pane").border_title)
        other = writer(live)
        await other.control.patch_application(table.rows[0].id, {"display_name": "Weather Logger 2"})
        await other.aclose()
        await pilot.press("r")
        await until(pilot, lambda: cells(table, 0)[2] == "Weather Logger 2", "the reload")


async def test_detail_shows_fields_schema_and_long_description(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await select(pilot, screen, "pump_controller")
        detail = screen.query_one(ApplicationDetail)
        fields = text_of(detail, "#app-fields")
        assert "https://github.com/example/pump-controller" in fields
        assert "ghcr.io/example/pump_controller:latest" in fields
        assert "modbus_bridge" in fields
        assert "Device · Private" in text_of(detail, "#app-title")
        schema = text_of(detail, "#app-schema")
        assert "interval (required): integer · default: 60" in schema  # plain text, not a JSON-quoted string
        assert '\\"' not in schema
        assert "\nthresholds\n  " in schema  # nested properties indented under their object
        markdown = detail.query_one(Markdown)
        await until(pilot, lambda: markdown.query(MarkdownBlock), "the long description")
        assert markdown.source.startswith("# Pump Controller")
        await pilot.press("j")
        shown = await modal(pilot, JsonModal)
        assert shown.value["name"] == "pump_controller"


def test_schema_outline_shows_required_and_defaults() -> None:
    schema = {
        "type": "object",
        "required": ["port"],
        "properties": {
            "port": {"type": "integer", "default": 502, "minimum": 1, "title": "Port"},
            "mode": {"enum": ["rtu", "tcp"], "default": "tcp"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "serial": {"type": "object", "required": ["baud"], "properties": {"baud": {"type": "integer"}}},
        },
    }
    assert schema_outline(schema) == {
        "port (required)": "integer · default: 502 · minimum: 1 · Port",
        "mode": 'any · default: "tcp" · one of "rtu", "tcp"',
        "tags": "array of string",
        "serial": {"baud (required)": "integer"},
    }
    assert schema_outline({}) == {}
    assert schema_summary({"$ref": "#/defs/x"}) == "see #/defs/x"


async def test_installs_of_the_browser_agent_with_status(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        installs = screen.query_one(InstallTable)
        await until(pilot, lambda: len(installs.rows) == 2, "the agent's installs")
        rows = {cells(installs, index)[0]: cells(installs, index) for index in range(2)}
        assert rows["Pump Controller"][3] in ("Running", "Succeeded", "Failed")
        assert rows["Modbus Bridge"][4] in ("synced", "out of sync", "overrides set")
        assert PUMP in str(screen.query_one("#installs").border_title)
        marked = {row.name for index, row in enumerate(table_of(screen).rows) if cells(table_of(screen), index)[0]}
        assert marked == {"pump_controller", "modbus_bridge"}
        await select(pilot, screen, "daily_report")
        installs.focus()
        await pilot.press("down", "enter")
        await until(pilot, lambda: screen.application is not None and screen.application.name == "modbus_bridge", "x")
        assert table_of(screen).has_focus
        # The browser moves to another agent; coming back to this screen lists that agent's installs.
        agents = (await app.store.agents()).value.agents
        app.agent = next(agent for agent in agents if agent.label == "Hilltop Tank")
        await pilot.press("j")
        await modal(pilot, JsonModal)
        await pilot.press("escape")
        await until(pilot, lambda: "Hilltop Tank" in str(screen.query_one("#installs").border_title), "resumed")
        await until(
            pilot,
            lambda: (
                [cells(installs, i)[0] for i in range(len(installs.rows))]
                == [
                    "Tank Monitor",
                    "Alarm Notifier",
                ]
            ),
            "the other agent's installs",
        )


# Edit ------------------------------------------------------------------------------------------


async def test_edit_previews_old_and_new_and_sends_on_a_different_key(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await select(pilot, screen, "tank_monitor")
        await pilot.press("e")
        form = await modal(pilot, ApplicationFormModal)
        form.query_one("#app-form-display_name", Input).value = "Tank Monitor Pro"
        await pilot.press("ctrl+s")
        preview = await modal(pilot, ApplicationPreviewModal)
        assert [change.name for change in preview.changes] == ["display_name"]
        body = text_of(preview, "#apps-preview-fields")
        assert "- Tank Monitor\n" in body
        assert "+ Tank Monitor Pro" in body
        assert "PATCH /applications/" in text_of(preview, "#apps-preview-request")
        await pilot.press("e")  # the key that asked does not confirm
        assert app.screen is preview
        await pilot.press("escape")  # back to the form, text kept
        form = await modal(pilot, ApplicationFormModal)
        assert form.query_one("#app-form-display_name", Input).value == "Tank Monitor Pro"
        await pilot.press("ctrl+s")
        await modal(pilot, ApplicationPreviewModal)
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen, "the edit done")
        await until(pilot, lambda: screen.application and screen.application.display_name == "Tank Monitor Pro", "x")
    stored = await server_app(live, "tank_monitor")
    assert stored is not None
    assert stored.display_name == "Tank Monitor Pro"


async def test_edit_shows_field_errors_next_to_the_field(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await select(pilot, screen, "tank_monitor")
        await pilot.press("e")
        form = await modal(pilot, ApplicationFormModal)
        form.query_one("#app-form-display_name", Input).value = "x" * 101
        form.query_one("#app-form-description", TextArea).text = "Now with a new description."
        await pilot.press("ctrl+s")
        await modal(pilot, ApplicationPreviewModal)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ApplicationFormModal) and app.screen is not form, "form")
        again = app.screen
        assert "no more than 100 characters" in text_of(again, "#app-form-display_name-error")
        assert text_of(again, "#app-form-description-error") == ""
        assert again.query_one("#app-form-description", TextArea).text == "Now with a new description."
        assert again.query_one("#app-form-display_name", Input).has_focus
        await pilot.press("escape")
    stored = await server_app(live, "tank_monitor")
    assert stored is not None
    assert stored.display_name == "Tank Monitor"


async def test_edit_requires_a_display_name_before_anything_is_sent(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await select(pilot, screen, "tank_monitor")
        await pilot.press("e")
        form = await modal(pilot, ApplicationFormModal)
        form.query_one("#app-form-display_name", Input).value = "   "
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # no preview: the form says what is wrong
        assert "display name is required" in text_of(form, "#app-form-display_name-error")
        assert form.query_one("#app-form-display_name", Input).has_focus
        await pilot.press("escape")
    stored = await server_app(live, "tank_monitor")
    assert stored is not None
    assert stored.display_name == "Tank Monitor"


async def test_edit_keeps_the_list_order(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        before = names(screen)
        assert before == sorted(before)
        await select(pilot, screen, "daily_report")
        await pilot.press("e")
        form = await modal(pilot, ApplicationFormModal)
        form.query_one("#app-form-display_name", Input).value = "Daily Report v2"
        await pilot.press("ctrl+s")
        await modal(pilot, ApplicationPreviewModal)
        await pilot.press("y")
        await until(pilot, lambda: screen.application and screen.application.display_name == "Daily Report v2", "x")
        assert names(screen) == before
        assert table_of(screen).cursor_index == before.index("daily_report")


@pytest.mark.parametrize(("status", "title"), [(403, "Forbidden"), (404, "Not found")])
async def test_forbidden_and_missing_are_toasts(
    status: int, title: str, toasts: list[tuple[str, str | None, str]]
) -> None:
    faults = FaultSpec(error_rate=1.0, status=status, methods=frozenset({"PATCH"}))
    with running(EmulatorConfig(token=TOKEN, simulate=False, faults=faults)) as failing:
        app = apps_app(failing)
        async with app.run_test(size=SIZE) as pilot:
            screen = await opened(app, pilot)
            await pilot.press("e")
            form = await modal(pilot, ApplicationFormModal)
            form.query_one("#app-form-display_name", Input).value = "Renamed"
            await pilot.press("ctrl+s")
            await modal(pilot, ApplicationPreviewModal)
            await pilot.press("y")
            await until(pilot, lambda: any(t[1] == title for t in toasts), "the toast")
            assert app.screen is screen
            assert [t[2] for t in toasts if t[1] == title] == ["error"]


# Import and write-back -------------------------------------------------------------------------


async def test_import_creates_then_updates_only_changed_fields(live: RunningEmulator, tmp_path: Path) -> None:
    path = repo(tmp_path, {"soil_probe": SOIL}, readme="# Soil Probe\n\nMeasures moisture at depth.\n")
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("i")
        await answer_prompt(pilot, str(path.parent))
        preview = await modal(pilot, ApplicationPreviewModal)
        assert "POST /applications/" in text_of(preview, "#apps-preview-request")
        sent = {change.name: change.new for change in preview.changes}
        assert sent["long_description"].startswith("# Soil Probe")
        assert sent["organisation_id"] is None  # required by POST; null when no organisation is chosen
        assert "image_name" in sent
        assert "main values" in text_of(preview, ".modal-title")
        assert "repo_branch" not in sent
        await pilot.press("y")
        await until(pilot, lambda: screen.application is not None and screen.application.name == "soil_probe", "new")
        created = await server_app(live, "soil_probe")
        assert created is not None
        assert created.long_description.startswith("# Soil Probe")
        assert "Branch      main" in text_of(screen, "#app-fields")  # from the local file

        path.write_text(json.dumps({"soil_probe": SOIL | {"description": "Reads soil moisture and temperature."}}))
        await pilot.press("i")
        await answer_prompt(pilot, str(path))
        preview = await modal(pilot, ApplicationPreviewModal)
        assert [change.name for change in preview.changes] == ["description"]
        assert f"PATCH /applications/{created.id}/" in text_of(preview, "#apps-preview-request")
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen, "sent")
        await until(pilot, lambda: screen.application and "temperature" in screen.application.description, "x")
        assert len(names(screen)) == 9
    updated = await server_app(live, "soil_probe")
    assert updated is not None
    assert updated.description == "Reads soil moisture and temperature."


async def test_import_asks_which_app_and_says_when_nothing_changed(
    live: RunningEmulator, tmp_path: Path, toasts: list[tuple[str, str | None, str]]
) -> None:
    tank = {"name": "tank_monitor", "display_name": "Tank Monitor", "type": "DEV", "visibility": "PUB"}
    path = repo(tmp_path, {"soil_probe": SOIL | {"long_description": "inline"}, "tank_monitor": tank})
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("i")
        await answer_prompt(pilot, str(path))
        await modal(pilot, ChoiceModal)
        await pilot.press("2")
        await until(pilot, lambda: any("already up to date" in t[0] for t in toasts), "nothing to send")
        assert app.screen is screen
        await pilot.press("i")
        await answer_prompt(pilot, str(tmp_path / "missing.json"))
        await until(pilot, lambda: any("no such file" in t[0] for t in toasts), "the missing file")
        assert app.screen is screen


async def test_import_400_errors_are_shown_under_their_fields(live: RunningEmulator, tmp_path: Path) -> None:
    path = repo(tmp_path, {"bad": {"name": "Bad Name!", "display_name": "Bad", "description": "d", "type": "XYZ"}})
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await pilot.press("i")
        await answer_prompt(pilot, str(path))
        first = await modal(pilot, ApplicationPreviewModal)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ApplicationPreviewModal) and app.screen is not first, "x")
        refused = app.screen
        assert isinstance(refused, ApplicationPreviewModal)
        assert set(refused.errors) == {"name", "type"}
        body = text_of(refused, "#apps-preview-fields")
        assert body.index("✗ This value does not match") > body.index("name")
        assert '✗ "XYZ" is not a valid choice.' in body
        await pilot.press("y")  # sending again is off until the file is fixed
        assert app.screen is refused
        await pilot.press("escape")
    assert await server_app(live, "Bad Name!") is None


async def test_write_back_merges_and_other_apps_survive(live: RunningEmulator, tmp_path: Path) -> None:
    other = {"name": "other_app", "display_name": "Other", "type": "PRO", "config_schema": {"x": 1}}
    mine = {"name": "pump_controller", "key": "keep-me", "build_args": "--platform linux/arm64"}
    path = repo(tmp_path, {"other_app": other, "pump_controller": mine, "deployment_package_dir": "deploy/"})
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await select(pilot, screen, "pump_controller")
        await pilot.press("w")
        prompt = await modal(pilot, PromptModal)
        assert prompt.prompt_title == "Write pump_controller into which doover_config.json?"
        await answer_prompt(pilot, str(path))
        preview = await modal(pilot, ApplicationPreviewModal)
        assert "Write pump_controller into" in text_of(preview, ".modal-title")
        assert "display_name" in [change.name for change in preview.changes]
        assert "key" not in [change.name for change in preview.changes]  # kept as it is: not a change
        assert json.loads(path.read_text())["pump_controller"] == mine  # nothing written before y
        await pilot.press("w")  # the key that asked does not confirm
        assert app.screen is preview
        await pilot.press("y")
        await until(pilot, lambda: "pump_controller" in screen.local, "written")
        assert path.read_text().startswith('{\n    "other_app": {\n        "name"')  # the file's 4 spaces kept
    document = json.loads(path.read_text())
    assert document["other_app"] == other
    assert document["deployment_package_dir"] == "deploy/"
    written = document["pump_controller"]
    assert written["key"] == "keep-me"
    assert written["build_args"] == "--platform linux/arm64"
    assert written["display_name"] == "Pump Controller"
    assert written["depends_on"] == ["modbus_bridge"]
    assert written["config_schema"]["required"] == ["interval"]
    assert written["long_description"].startswith("# Pump Controller")


async def test_staging_view_marks_each_override(live: RunningEmulator, tmp_path: Path) -> None:
    path = repo(tmp_path, {"soil_probe": SOIL}, readme="# Soil")
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await pilot.press("i")
        await answer_prompt(pilot, str(path))
        await modal(pilot, ApplicationPreviewModal)
        await pilot.press("y")
        await until(pilot, lambda: screen.application is not None and screen.application.name == "soil_probe", "new")
        detail = screen.query_one(ApplicationDetail)
        assert "MAIN view" in text_of(detail, "#app-title")
        assert "◆" not in text_of(detail, "#app-fields")
        await pilot.press("s")
        await until(pilot, lambda: detail.overridden == ("image_name", "display_name"), "the staging view")
        fields = text_of(detail, "#app-fields")
        assert "ghcr.io/example/soil_probe:staging  ◆ staging" in fields
        assert "display_name" in fields  # overridden outside the listed fields: named
        assert "STAGING view · 2 overrides" in text_of(detail, "#app-title")
        staging_tree = detail.query_one("#app-staging", JsonTree)
        assert staging_tree.display
        await pilot.press("i")  # even in the staging view, an import sends the main values unless switched
        await answer_prompt(pilot, str(path))
        preview = await modal(pilot, ApplicationPreviewModal)
        assert preview.changes == []
        assert "s: use the staging values" in text_of(preview, "#apps-preview-switch")
        assert "STAGING" not in text_of(preview, ".modal-title")
        await pilot.press("y")  # nothing to send
        assert app.screen is preview
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, ApplicationPreviewModal) and app.screen is not preview, "s")
        preview = app.screen
        assert isinstance(preview, ApplicationPreviewModal)
        assert "STAGING values (staging_config overrides applied)" in text_of(preview, ".modal-title")
        assert {change.name: change.new for change in preview.changes} == {
            "display_name": "Soil Probe (staging)",
            "image_name": "ghcr.io/example/soil_probe:staging",
        }
        await pilot.press("escape")
        await pilot.press("s")
        await until(pilot, lambda: detail.overridden == (), "the main view")
        assert "ghcr.io/example/soil_probe:main" in text_of(detail, "#app-fields")


# Read-only and literal text --------------------------------------------------------------------


async def test_read_only_hides_writes_and_sends_nothing(live: RunningEmulator, tmp_path: Path) -> None:
    path = repo(tmp_path, {"soil_probe": SOIL})
    app = apps_app(live, read_only=True, agent=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        assert "choose an agent" in str(screen.query_one("#installs").border_title)
        assert screen.check_action("edit", ()) is False
        assert screen.check_action("import_config", ()) is False
        shown = {binding.id for binding in (b.binding for b in screen.active_bindings.values())}
        assert "apps.edit" not in shown
        assert "apps.import" not in shown
        await pilot.press("e", "i")
        assert app.screen is screen
        await pilot.press("w")  # writing a local file is not a write to the API: allowed
        await answer_prompt(pilot, str(path))
        await modal(pilot, ApplicationPreviewModal)
        await pilot.press("y")
        await until(pilot, lambda: screen.local, "written")
        methods = {entry.method for entry in app.store.request_log.entries()}
        assert methods == {"GET"}
    assert await server_app(live, "soil_probe") is None


ODD_APP: dict[str, Any] = {
    "name": "odd_app",
    "display_name": "[red]x[/]",
    "description": "\x1b[2J wiped",
    "long_description": "Body [bold]b[/bold] \x1b[31m red",
    "type": "PRO",
    "visibility": "PUB",
    "depends_on": [],
    "organisation_id": None,
    "container_registry_profile_id": None,
}


async def test_device_text_is_shown_literally(live: RunningEmulator) -> None:
    client: DooverClient = writer(live)
    await client.control.create_application(ODD_APP)
    await client.aclose()
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await select(pilot, screen, "odd_app")
        row = cells(table_of(screen), names(screen).index("odd_app"))
        assert row[2] == "[red]x[/]"
        assert row[5] == "\\x1b[2J wiped"
        detail = screen.query_one(ApplicationDetail)
        assert "[red]x[/]" in text_of(detail, "#app-title")
        assert "\\x1b[2J wiped" in text_of(detail, "#app-fields")
        markdown = detail.query_one(Markdown)
        await until(pilot, lambda: markdown.query(MarkdownBlock), "the long description")
        shown = " ".join(str(block.render()) for block in markdown.query(MarkdownBlock))
        assert "[bold]b[/bold]" in shown
        assert "\\x1b[31m red" in shown
        assert "\x1b" not in shown


async def test_preview_puts_nested_errors_under_their_field() -> None:
    class Host(App[None]):
        CSS_PATH = str(STYLES)

    changes = [FieldChange("config_schema", {"type": "object"}, {"type": "objet"}), FieldChange("name", ABSENT, "x")]
    errors = {"config_schema.type": ["Unknown type."], "": ["Something else."]}
    host = Host()
    async with host.run_test(size=SIZE) as pilot:
        await host.push_screen(ApplicationPreviewModal("t", "PATCH /applications/1/", changes, errors=errors))
        preview = await modal(pilot, ApplicationPreviewModal)
        body = text_of(preview, "#apps-preview-fields")
        assert body.index("✗ config_schema.type: Unknown type.") < body.index("name  (new)")
        assert '~ config_schema.type: "object" → "objet"' in body  # the path of the change, not a bare line
        assert "Something else." in text_of(preview, "#apps-preview-errors")
        assert preview.check_action("send", ()) is False


async def test_filter_that_hides_the_selection_clears_the_detail_and_actions(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=SIZE) as pilot:
        screen = await opened(app, pilot)
        await select(pilot, screen, "pump_controller")
        await pilot.press("slash")
        await until(pilot, lambda: screen.query_one("#apps-filter", Input).has_focus, "the filter")
        await pilot.press("z", "z", "z", "enter")
        await until(pilot, lambda: names(screen) == [], "the filter applied")
        assert "0/8" in str(screen.query_one("#apps-list-pane").border_title)
        detail = screen.query_one(ApplicationDetail)
        assert detail.application is None
        assert "Pump Controller" not in text_of(detail, "#app-title")
        for action in ("edit", "write_config", "toggle_staging", "show_json"):
            assert screen.check_action(action, ()) is False
        await pilot.press("e", "w")
        await pilot.pause()
        assert app.screen is screen  # neither the edit form nor the write prompt opened
        await pilot.press("slash")
        await until(pilot, lambda: screen.query_one("#apps-filter", Input).has_focus, "the filter")
        await pilot.press("escape")
        await until(pilot, lambda: len(names(screen)) == 8, "the filter cleared")
        await pilot.press("slash")
        await until(pilot, lambda: screen.query_one("#apps-filter", Input).has_focus, "the filter")
        await pilot.press("t", "a", "n", "k")
        await until(pilot, lambda: names(screen) == ["tank_monitor"], "another filter")
        assert detail.application is not None
        assert detail.application.name == "tank_monitor"


async def test_preview_body_scrolls_at_once_and_shows_change_paths() -> None:
    class Host(App[None]):
        CSS_PATH = str(STYLES)

    old = {"properties": {"depth": {"default": 30}, "gone": 1}}
    new = {"properties": {"depth": {"default": 45}, "added": True}}
    changes = [FieldChange("config_schema", old, new), FieldChange("long_description", ABSENT, "line\n" * 50)]
    host = Host()
    async with host.run_test(size=(80, 24)) as pilot:
        await host.push_screen(ApplicationPreviewModal("t", "PATCH /applications/1/", changes))
        preview = await modal(pilot, ApplicationPreviewModal)
        body = text_of(preview, "#apps-preview-fields")
        assert "~ config_schema.properties.depth.default: 30 → 45" in body
        assert "- config_schema.properties.gone: 1" in body
        assert "+ config_schema.properties.added: true" in body
        scroller = preview.query_one("#apps-preview-body")
        assert scroller.has_focus
        await pilot.press("end")
        await until(pilot, lambda: scroller.scroll_y > 0, "scrolled")
        assert host.screen is preview


async def test_fits_80_by_24_detail_behind_enter_and_install_names_first(live: RunningEmulator) -> None:
    app = apps_app(live)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(app, pilot)
        detail = screen.query_one(ApplicationDetail)
        assert screen.has_class("-narrow")
        assert not detail.display
        installs = screen.query_one(InstallTable)
        await until(pilot, lambda: len(installs.rows) > 0, "the installs")
        widths = installs.column_widths(installs.size.width)
        assert min(widths[:2]) >= 16  # names first: not squeezed to "App…" beside full-width status columns
        assert sum(widths) + len(widths) - 1 <= installs.size.width
        table_of(screen).focus()
        await pilot.press("enter")
        await until(pilot, lambda: bool(detail.display) and detail.region.width > 0, "the detail alone")
        assert detail.region.right <= 80
        assert not screen.query_one("#apps-left").display
        await pilot.press("escape")
        await until(pilot, lambda: not detail.display, "back to the table")
        assert table_of(screen).has_focus
