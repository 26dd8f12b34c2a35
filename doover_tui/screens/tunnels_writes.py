"""The tunnels screen's writes: toggle (confirm, POST, re-read with backoff), new, edit and delete."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from doover_tui.api.errors import DooverError, NotFoundError
from doover_tui.api.models import Tunnel
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.tunnels_form import TunnelFormModal
from doover_tui.screens.tunnels_support import activation_question, delete_question, gave_up, label_of
from doover_tui.screens.worker_errors import notify_failure

if TYPE_CHECKING:
    from doover_tui.screens.tunnels import TunnelsScreen


class TunnelWrites:
    """The writes of one tunnels screen; ``pending`` holds unconfirmed toggles (their rows say PENDING)."""

    def __init__(self, screen: TunnelsScreen) -> None:
        self.screen = screen
        self.pending: dict[str, bool] = {}
        """Tunnels toggled and not yet confirmed: id → the ``is_active`` asked for."""

    def toggle(self, tunnel: Tunnel) -> None:
        """Deactivate an active tunnel; activate an inactive one once confirmed (it exposes the device)."""
        if tunnel.id in self.pending:
            self.screen.notify(f"still waiting for {label_of(tunnel)} to change", markup=False)
        elif tunnel.is_active:
            self.start_toggle(tunnel, False)
        else:
            question = ChoiceModal("Activate tunnel", activation_question(tunnel), [("y", "yes, activate")])
            self.screen.app.push_screen(question, lambda key: self._answered(tunnel, key))

    def _answered(self, tunnel: Tunnel, key: str | None) -> None:
        if key == "y":
            self.start_toggle(tunnel, True)

    def start_toggle(self, tunnel: Tunnel, want: bool) -> None:
        """Show PENDING, ask the API, and re-read until the new state shows or the bound passes."""
        self.pending[tunnel.id] = want
        self.screen.redraw()
        work = self._run(tunnel, want)
        self.screen.run_worker(work, group=f"toggle-{tunnel.id}", exit_on_error=False, description="toggle tunnel")

    async def _run(self, tunnel: Tunnel, want: bool) -> None:
        screen = self.screen
        try:
            await screen.store.tunnel_write("activate" if want else "deactivate", tunnel.id)
        except DooverError as exc:
            notify_failure(screen, exc)
            self._settle(tunnel, await self.reread(tunnel) or tunnel)
            return
        latest: Tunnel | None = tunnel
        for delay in screen.poll.delays():
            await asyncio.sleep(delay)
            latest = await self.reread(tunnel)
            if latest is None or latest.is_active == want:
                break
        if latest is None:
            self.pending.pop(tunnel.id, None)
            screen.notify(f"{label_of(tunnel)} is gone", severity="warning", markup=False)
            screen.load(force=True)
        elif latest.is_active == want:
            self._settle(tunnel, latest)
            screen.notify(f"{label_of(latest)} is {screen.state(latest).value}", markup=False)
        else:
            self._settle(tunnel, latest)
            screen.notify(
                gave_up(latest, want, screen.poll.give_up_after), severity="warning", markup=False, timeout=15
            )

    def _settle(self, tunnel: Tunnel, latest: Tunnel) -> None:
        """The toggle is over: the row shows the state as last read."""
        self.pending.pop(tunnel.id, None)
        self.screen.replace_tunnel(latest)

    async def reread(self, tunnel: Tunnel) -> Tunnel | None:
        """The tunnel as the API has it now (None: deleted); on a failed read, the last known state."""
        try:
            result = await self.screen.store.tunnels(tunnel.device_id or None, force=True)
        except NotFoundError:
            return None
        except DooverError:
            return next((known for known in self.screen.tunnels if known.id == tunnel.id), tunnel)
        return next((found for found in result.value if found.id == tunnel.id), None)

    # New, edit, delete -------------------------------------------------------------------------

    def new(self, device_id: str, device_label: str) -> None:
        """Create a tunnel on a device through the checked form."""
        store = self.screen.store

        async def submit(body: dict[str, Any]) -> Tunnel | None:
            created: Tunnel | None = await store.tunnel_write("create", body, device_id=device_id)
            return created

        self.screen.app.push_screen(TunnelFormModal(f"New tunnel on {device_label}", submit), self._saved)

    def edit(self, tunnel: Tunnel) -> None:
        """Change the editable fields of a tunnel (only the changed ones are sent)."""
        store = self.screen.store

        async def submit(body: dict[str, Any]) -> Tunnel | None:
            changed: Tunnel | None = await store.tunnel_write("patch", tunnel.id, body)
            return changed

        self.screen.app.push_screen(TunnelFormModal(f"Edit tunnel {label_of(tunnel)}", submit, tunnel), self._saved)

    def _saved(self, tunnel: Tunnel | None) -> None:
        if tunnel is not None:
            self.screen.notify(f"saved {label_of(tunnel)}", markup=False)
            self.screen.load(force=True)

    def delete(self, tunnel: Tunnel) -> None:
        """Delete a tunnel once confirmed."""
        question = ChoiceModal("Delete tunnel", delete_question(tunnel), [("y", "yes, delete it")])
        self.screen.app.push_screen(question, lambda key: self._delete_answered(tunnel, key))

    def _delete_answered(self, tunnel: Tunnel, key: str | None) -> None:
        if key == "y":
            work = self._delete(tunnel)
            self.screen.run_worker(work, group="tunnel-delete", exit_on_error=False, description="delete tunnel")

    async def _delete(self, tunnel: Tunnel) -> None:
        screen = self.screen
        await screen.local.close(tunnel.id)
        try:
            await screen.store.tunnel_write("delete", tunnel.id)
        except DooverError as exc:
            notify_failure(screen, exc)
        else:
            screen.notify(f"deleted {label_of(tunnel)}", markup=False)
        screen.load(force=True)
