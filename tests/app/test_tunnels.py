"""The tunnels screen against the emulator: scope, toggling through the activation delay, forms, copy, doover-tunnel."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydoover.api import ControlClient  # type: ignore[import-untyped]
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

import doover_tui
from doover_tui.api.auth import StaticToken
from doover_tui.api.client import DooverClient, Endpoints, new_http_client
from doover_tui.api.errors import ReadOnlyError
from doover_tui.api.models import Agent, Tunnel
from doover_tui.emulator.app import EmulatorConfig
from doover_tui.emulator.server import RunningEmulator, running
from doover_tui.request_log import RequestLog
from doover_tui.screens import tunnels_form
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.json_modal import JsonModal, pretty_json
from doover_tui.screens.tunnels import TunnelsScreen
from doover_tui.screens.tunnels_form import TunnelFormModal
from doover_tui.store import Store
from doover_tui.tunnel_rules import FormInput, PollSchedule, TunnelState
from doover_tui.widgets.tunnel_table import TunnelTable
from tests.app.harness import until, writer
from tests.emulator_fixtures import TOKEN
from tests.unit.test_tunnel_process import gone

PUMP = "Pump Station Riverside"
QUICK = PollSchedule(first=0.1, factor=1.5, longest=0.3, give_up_after=10.0)


class Home(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("home: press 3 for tunnels")


class TunnelsApp(App[None]):
    """Stands in for DooverApp until it wires mode 3: ``3`` shows the tunnels screen, ``1`` another screen."""

    CSS_PATH = str(Path(doover_tui.__file__).parent / "styles" / "app.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('home')", "Home"),
        Binding("3", "switch_mode('tunnels')", "Tunnels"),
    ]

    def __init__(self, store: Store, agent: Agent | None, *, start: str = "tunnels") -> None:
        super().__init__()
        self.store = store
        self.agent = agent
        self.start = start
        options = BrowserOptions(source="test emulator", host="emulator")
        self.tunnels = TunnelsScreen(store, options, lambda: self.agent)
        self.tunnels.poll = QUICK
        self.add_mode("home", Home)
        self.add_mode("tunnels", lambda: self.tunnels)

    def on_mount(self) -> None:
        self.switch_mode(self.start)

    async def on_unmount(self) -> None:
        await self.store.aclose()


def make_store(live: RunningEmulator, *, read_only: bool = False) -> Store:
    urls = live.urls
    log = RequestLog()
    client = DooverClient(
        Endpoints(urls.data, urls.control, urls.gateway), StaticToken(TOKEN), new_http_client(10), on_request=log.record
    )
    return Store(client, read_only=read_only, request_log=log)


async def build(
    live: RunningEmulator, *, agent: str | None = PUMP, read_only: bool = False, start: str = "tunnels"
) -> TunnelsApp:
    store = make_store(live, read_only=read_only)
    agents = (await store.agents()).value.agents
    chosen = next(a for a in agents if a.label == agent) if agent else None
    return TunnelsApp(store, chosen, start=start)


def on_tunnels(app: TunnelsApp) -> bool:
    """Whether the tunnels screen is the one on top (a function, so type narrowing by earlier asserts ends)."""
    return app.screen is app.tunnels


def table(app: TunnelsApp) -> TunnelTable:
    return app.tunnels.query_one(TunnelTable)


async def loaded(app: TunnelsApp, pilot: Any) -> TunnelTable:
    rows = table(app)
    await until(pilot, lambda: len(rows.rows) > 0, "tunnels listed")
    return rows


def writes(app: TunnelsApp) -> list[str]:
    return [f"{e.method} {e.url}" for e in app.store.request_log.entries() if e.method != "GET"]


def state(app: TunnelsApp, tunnel_id: str) -> TunnelState | None:
    row = table(app).row_of(tunnel_id)
    return row.state if row is not None else None


def named(app: TunnelsApp, name: str) -> Tunnel:
    return next(row.tunnel for row in table(app).rows if row.tunnel.name == name)


@pytest.fixture
def slow_live() -> Iterator[RunningEmulator]:
    """An emulator whose tunnels take 0.8 s to (de)activate, like the real asynchronous service."""
    with running(EmulatorConfig(token=TOKEN, simulate=False, activation_delay=0.8)) as server:
        yield server


async def test_scope_is_the_agent_or_every_device(live: RunningEmulator) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        assert {row.tunnel.device_name for row in rows.rows} == {PUMP}
        assert sorted(row.tunnel.name for row in rows.rows) == ["hmi", "ssh", "web-ui"]
        assert "Pump Station Riverside (3)" in str(app.tunnels.query_one("#tunnels-pane").border_title)
        await pilot.press("a")
        await until(pilot, lambda: len({row.tunnel.device_name for row in rows.rows}) > 1, "every device's tunnels")
        assert "every device" in str(app.tunnels.query_one("#tunnels-pane").border_title)
        await pilot.press("a")
        await until(pilot, lambda: {row.tunnel.device_name for row in rows.rows} == {PUMP}, "the agent's again")


async def test_without_an_agent_every_device_is_shown(live: RunningEmulator, notes: list[str]) -> None:
    app = await build(live, agent=None)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        assert len({row.tunnel.device_name for row in rows.rows}) > 1
        await pilot.press("a")
        assert any("no agent chosen" in note for note in notes)


async def test_toggle_goes_pending_then_active_and_back(slow_live: RunningEmulator, notes: list[str]) -> None:
    app = await build(slow_live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        tunnel = next(row.tunnel for row in rows.rows if not row.tunnel.is_active)
        assert rows.select_key(tunnel.id)
        await pilot.press("t")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("t")  # the key that asked does not confirm
        assert isinstance(app.screen, ChoiceModal)
        assert not writes(app)
        await pilot.press("y")
        assert state(app, tunnel.id) is TunnelState.PENDING
        await until(pilot, lambda: state(app, tunnel.id) is TunnelState.ACTIVE, "ACTIVE after the delay")
        assert any(w.endswith(f"/tunnels/{tunnel.id}/activate/") for w in writes(app))
        await pilot.press("space")  # deactivation needs no confirmation
        assert isinstance(app.screen, TunnelsScreen)
        assert state(app, tunnel.id) is TunnelState.PENDING
        await until(pilot, lambda: state(app, tunnel.id) is TunnelState.INACTIVE, "INACTIVE after the delay")
        assert any(f"{tunnel.name} on {PUMP} is INACTIVE" in note for note in notes)


async def test_done_when_press_3_toggle_confirm_and_pydoover_agrees(slow_live: RunningEmulator) -> None:
    app = await build(slow_live, start="home")
    async with app.run_test(size=(150, 36)) as pilot:
        await pilot.press("3")
        assert app.screen is app.tunnels
        rows = await loaded(app, pilot)
        for _ in rows.rows:
            if rows.tunnel is not None and not rows.tunnel.is_active:
                break
            await pilot.press("down")
        tunnel = rows.tunnel
        assert tunnel is not None
        assert not tunnel.is_active
        await pilot.press("t", "y")
        assert state(app, tunnel.id) is TunnelState.PENDING
        await until(pilot, lambda: state(app, tunnel.id) is TunnelState.ACTIVE, "ACTIVE")
    with ControlClient(slow_live.urls.control, token=TOKEN, max_retries=1) as control:
        assert control.tunnels.retrieve(tunnel.id).is_active is True


async def test_unconfirmed_activation_gives_up_showing_the_real_state(notes: list[str]) -> None:
    with running(EmulatorConfig(token=TOKEN, simulate=False, activation_delay=60)) as stuck:
        app = await build(stuck)
        async with app.run_test(size=(150, 36)) as pilot:
            app.tunnels.poll = PollSchedule(first=0.05, factor=1, longest=0.05, give_up_after=0.3)
            rows = await loaded(app, pilot)
            tunnel = next(row.tunnel for row in rows.rows if not row.tunnel.is_active)
            rows.select_key(tunnel.id)
            await pilot.press("t", "y")
            assert state(app, tunnel.id) is TunnelState.PENDING
            await until(pilot, lambda: any("did not become ACTIVE within 0.3 s" in n for n in notes), "giving up")
            assert state(app, tunnel.id) is TunnelState.INACTIVE


async def fill(form: TunnelFormModal, **fields: Any) -> None:
    for name, value in fields.items():
        if name == "ip_restricted":
            form.query_one("#tunnel-ip_restricted", Checkbox).value = value
        else:
            form.query_one(f"#tunnel-{name}", Input).value = value


def error_beside(form: TunnelFormModal, field: str) -> str:
    return str(form.query_one(f"#tunnel-{field}-error", Static).render())


async def test_create_with_an_invalid_port_sends_nothing_then_creates(live: RunningEmulator) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 40)) as pilot:
        rows = await loaded(app, pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, TunnelFormModal)
        await fill(form, name="grafana", hostname="192.168.1.20", port="70000")
        await pilot.press("ctrl+s")
        assert "from 1 to 65535" in error_beside(form, "port")
        assert "nothing was sent" in str(form.query_one("#tunnel-form-error", Static).render())
        assert form.sent == 0
        assert not writes(app)
        await fill(form, port="3000", ip_restricted=True, ip_whitelist="203.0.113.7")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "grafana" in [row.tunnel.name for row in rows.rows], "the new tunnel listed")
        assert app.screen is app.tunnels
        created = named(app, "grafana")
        assert (created.target, created.protocol) == ("192.168.1.20:3000", "tcp")
        assert created.ip_whitelist == ("203.0.113.7",)
        assert [w.split(" ")[0] for w in writes(app)] == ["POST"]


async def test_server_field_errors_show_beside_the_fields(
    live: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server stricter than our checks (here: our checks switched off) has its 400 shown field by field."""

    def unchecked(form: FormInput) -> dict[str, Any]:
        return {"name": form.name, "hostname": form.hostname, "port": int(form.port), "protocol": form.protocol}

    monkeypatch.setattr(tunnels_form, "validate", unchecked)
    app = await build(live)
    async with app.run_test(size=(150, 40)) as pilot:
        await loaded(app, pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, TunnelFormModal)
        await fill(form, name="x" * 201, port="70000")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "65535" in error_beside(form, "port"), "the server's port error")
        assert "200 characters" in error_beside(form, "name")
        assert "refused" in str(form.query_one("#tunnel-form-error", Static).render())
        assert app.screen is form  # still open, text intact
        assert form.query_one("#tunnel-port", Input).value == "70000"


async def test_edit_sends_only_the_changed_fields(live: RunningEmulator) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 40)) as pilot:
        rows = await loaded(app, pilot)
        tunnel = named(app, "web-ui")
        rows.select_key(tunnel.id)
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, TunnelFormModal)
        assert form.query_one("#tunnel-protocol").disabled
        await fill(form, timeout="45")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: named(app, "web-ui").timeout == 45, "the new timeout shown")
        assert writes(app) == [f"PATCH {live.urls.control}/tunnels/{tunnel.id}/"]


async def test_delete_asks_and_cancel_keeps_it(live: RunningEmulator) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        tunnel = named(app, "hmi")
        rows.select_key(tunnel.id)
        await pilot.press("d")
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("d")  # the key that asked does not confirm
        await pilot.press("escape")
        assert on_tunnels(app)
        assert not writes(app)
        await pilot.press("d", "y")
        await until(pilot, lambda: rows.row_of(tunnel.id) is None, "the tunnel gone")
        assert writes(app) == [f"DELETE {live.urls.control}/tunnels/{tunnel.id}/"]


async def test_a_tunnel_deleted_elsewhere_is_a_404_toast(live: RunningEmulator, notes: list[str]) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        tunnel = named(app, "hmi")
        rows.select_key(tunnel.id)
        other = writer(live)
        await other.control.delete_tunnel(tunnel.id)
        await other.aclose()
        await pilot.press("d", "y")
        await until(pilot, lambda: any("No Tunnel matches" in note for note in notes), "a not-found toast")
        await until(pilot, lambda: rows.row_of(tunnel.id) is None, "the list re-read")


async def test_copy_endpoint_and_ssh_command(live: RunningEmulator, notes: list[str]) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        ssh = named(app, "ssh")
        rows.select_key(ssh.id)
        await pilot.press("c")
        assert app.clipboard == ssh.endpoint
        await pilot.press("s")
        host, port = ssh.endpoint.rsplit(":", 1)
        assert app.clipboard == f"ssh -p {port} pi@{host}"
        rows.select_key(named(app, "web-ui").id)
        await pilot.press("s")
        assert app.clipboard == f"ssh -p {port} pi@{host}"
        assert any("only a tcp tunnel to port 22" in note for note in notes)


async def test_read_only_hides_and_refuses_writes(live: RunningEmulator, tmp_path: Path) -> None:
    app = await build(live, read_only=True)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        rows.select_key(named(app, "ssh").id)
        for key in ("t", "space", "n", "e", "d", "o"):
            await pilot.press(key)
            assert app.screen is app.tunnels, key
        assert not writes(app)
        shown = {active.binding.action for active in app.tunnels.active_bindings.values() if active.enabled}
        assert "new" not in shown
        assert "copy_endpoint" in shown
        with pytest.raises(ReadOnlyError):
            await app.store.tunnel_write("activate", named(app, "ssh").id)
        await pilot.press("c")
        assert app.clipboard == named(app, "ssh").endpoint


FAKE_DOOVER_TUNNEL = """
with open(sys.argv[0] + ".args", "w") as seen:
    seen.write(" ".join(sys.argv[1:]))
print("Opening tunnel", sys.argv[3], flush=True)
print("Forwarding 127.0.0.1:43210 -> device", flush=True)
time.sleep(120)
"""


def fake_doover_tunnel(directory: Path) -> Path:
    directory.mkdir()
    program = directory / "doover-tunnel"
    program.write_text(f"#!{sys.executable}\nimport sys, time\n{FAKE_DOOVER_TUNNEL}")
    program.chmod(0o755)
    return program


def args_seen(program: Path) -> str:
    """The arguments the fake doover-tunnel was started with."""
    return Path(f"{program}.args").read_text()


async def test_open_locally_through_doover_tunnel(
    live: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = fake_doover_tunnel(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{program.parent}{os.pathsep}{os.environ['PATH']}")
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        ssh = named(app, "ssh")
        rows.select_key(ssh.id)
        await pilot.press("o")
        await until(pilot, lambda: rows.row_of(ssh.id).local == ":43210", "the local port shown")  # type: ignore[union-attr]
        assert "localhost:43210" in str(app.tunnels.query_one("#tunnel-detail", Static).render())
        assert args_seen(program) == f"open {ssh.device_id} {ssh.id}"
        first = app.tunnels.local.get(ssh.id)
        assert first is not None
        await pilot.press("o")  # another o closes it
        await until(pilot, lambda: not first.running and app.tunnels.local.get(ssh.id) is None, "the local end closed")
        assert rows.row_of(ssh.id).local == ""  # type: ignore[union-attr]
        await pilot.press("o")
        await until(pilot, lambda: app.tunnels.local.get(ssh.id) is not None, "opened again")
        second = app.tunnels.local.get(ssh.id)
        assert second is not None
        await until(pilot, lambda: second.port == 43210, "the port again")
    assert not second.running  # the app exited: the screen's unmount stopped it
    assert gone(second.process.pid)


async def test_open_without_doover_tunnel_says_how_to_install(
    live: RunningEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, notes: list[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        await loaded(app, pilot)
        await pilot.press("o")
        await until(pilot, lambda: any("pipx install doover-cli" in note for note in notes), "the install hint")


async def test_device_text_is_shown_literally(live: RunningEmulator) -> None:
    other = writer(live)
    app = await build(live)
    assert app.agent is not None
    await other.control.create_tunnel(
        {"name": "[red]x[/]\x1b[2J", "hostname": "h", "port": 1, "protocol": "tcp"}, device_id=app.agent.id
    )
    await other.aclose()
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        await until(pilot, lambda: len(rows.rows) == 4, "the odd tunnel listed")
        lines = [rows.render_line(y).text for y in range(1, 5)]
        assert any("[red]x[/]\\x1b[2J" in line for line in lines)
        odd = next(row.tunnel for row in rows.rows if row.tunnel.name.startswith("[red]"))
        rows.select_key(odd.id)
        await pilot.pause()
        assert "[red]x[/]\\x1b[2J" in str(app.tunnels.query_one("#tunnel-detail", Static).render())


def shown_whole(widget: Widget, within: str = "#tunnel-form-body") -> bool:
    """Whether ``widget`` is on screen in full inside ``within`` (by default the form's scrolling body)."""
    body = widget.screen.query_one(within)
    return widget.region.area > 0 and body.region.contains_region(widget.region)


@pytest.mark.parametrize("size", [(160, 45), (80, 24)])
async def test_form_fits_with_the_name_label_and_the_first_error_in_view(
    live: RunningEmulator, size: tuple[int, int]
) -> None:
    """Reviewer's steps: restricted with an empty allow-list; the marked field shows, so does the Name label."""
    app = await build(live)
    async with app.run_test(size=size) as pilot:
        await loaded(app, pilot)
        for key in ("n", "e"):
            await pilot.press(key)
            form = app.screen
            assert isinstance(form, TunnelFormModal)
            await pilot.pause()
            name_label = form.query_one("#tunnel-name-box Label")
            assert str(name_label.render()) == "Name"
            assert shown_whole(name_label), key
            await fill(form, name="x", port="22", ip_restricted=True, ip_whitelist="")
            await pilot.press("ctrl+s")
            await pilot.pause()
            error = form.query_one("#tunnel-ip_whitelist-error", Static)
            assert "at least one allowed" in str(error.render())
            assert shown_whole(error), key
            assert shown_whole(form.query_one("#tunnel-form-error"), within=".modal-body"), key
            assert form.sent == 0
            await pilot.press("escape")


async def header_and_rows(app: TunnelsApp, pilot: Any) -> tuple[str, list[str]]:
    rows = await loaded(app, pilot)
    await pilot.pause()
    return rows.render_line(0).text, [rows.render_line(y).text for y in range(1, len(rows.rows) + 1)]


async def test_columns_line_up_and_the_important_ones_stay_at_80_columns(live: RunningEmulator) -> None:
    app = await build(live, agent=None)  # every device: device names of different lengths
    async with app.run_test(size=(80, 24)) as pilot:
        header, lines = await header_and_rows(app, pilot)
        for title in ("Name", "Target", "Public endpoint", "State"):
            assert title in header
        assert "Device" not in header
        assert "Timeout" not in header
        state_at = header.index("State")
        assert all(line[state_at:].split()[0] in {"ACTIVE", "INACTIVE", "PENDING"} for line in lines), lines
        endpoint_at = header.index("Public endpoint")
        assert all(line[endpoint_at - 1] == " " and line[endpoint_at] != " " for line in lines), lines


async def test_the_endpoint_is_shown_whole_before_the_device_at_160_columns(live: RunningEmulator) -> None:
    app = await build(live, agent=None)
    async with app.run_test(size=(160, 45)) as pilot:
        header, lines = await header_and_rows(app, pilot)
        assert "Device" in header
        assert "State" in header
        for row, line in zip(table(app).rows, lines, strict=True):
            assert row.tunnel.endpoint in line


async def test_after_a_delete_the_cursor_stays_in_place(live: RunningEmulator) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        assert [row.tunnel.name for row in rows.rows] == ["hmi", "ssh", "web-ui"]
        rows.select_key(named(app, "ssh").id)
        await pilot.press("d", "y")
        await until(pilot, lambda: len(rows.rows) == 2, "the tunnel gone")
        await pilot.pause()
        assert rows.cursor_index == 1
        assert rows.tunnel is not None
        assert rows.tunnel.name == "web-ui"


async def test_enter_shows_every_field_and_the_footer_names_ssh(live: RunningEmulator) -> None:
    app = await build(live)
    async with app.run_test(size=(150, 36)) as pilot:
        rows = await loaded(app, pilot)
        ssh = named(app, "ssh")
        rows.select_key(ssh.id)
        shown = {active.binding.action for active in app.tunnels.active_bindings.values() if active.binding.show}
        assert "copy_ssh" in shown
        await pilot.press("enter")
        modal = app.screen
        assert isinstance(modal, JsonModal)
        assert ssh.id in pretty_json(modal.value)
        assert ssh.endpoint in pretty_json(modal.value)
        await pilot.press("escape")
        assert on_tunnels(app)


async def test_read_only_details_name_only_what_works(live: RunningEmulator) -> None:
    for read_only in (False, True):
        app = await build(live, read_only=read_only)
        async with app.run_test(size=(150, 36)) as pilot:
            rows = await loaded(app, pilot)
            rows.select_key(named(app, "ssh").id)
            await pilot.pause()
            words = str(app.tunnels.query_one("#tunnel-detail", Static).render())
            assert ("o opens it locally" in words) is not read_only, words
            assert ("c copies the endpoint" in words) is read_only, words
