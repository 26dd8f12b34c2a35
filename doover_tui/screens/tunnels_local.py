"""The doover-tunnel processes the tunnels screen runs: started with ``o``, stopped by ``o`` again or on unmount."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widget import Widget

from doover_tui.api.models import Tunnel
from doover_tui.literal import printable
from doover_tui.screens.tunnels_support import label_of
from doover_tui.tunnel_process import LocalTunnel, TunnelProgramError


class LocalTunnels:
    """Local ends of tunnels by tunnel id; ``changed`` is called whenever one starts, reports its port or ends."""

    def __init__(self, owner: Widget, changed: Callable[[], None]) -> None:
        self._owner = owner
        self._changed = changed
        self._open: dict[str, LocalTunnel] = {}
        self._starting: set[str] = set()
        self._started: list[LocalTunnel] = []
        self._closing = False

    def get(self, tunnel_id: str) -> LocalTunnel | None:
        """The running local end of a tunnel, if any."""
        return self._open.get(tunnel_id)

    @property
    def running(self) -> list[LocalTunnel]:
        """Every process started here that has not exited."""
        return [local for local in self._started if local.running]

    def toggle(self, tunnel: Tunnel) -> None:
        """Open the tunnel locally, or close its local end when it has one."""
        if tunnel.id in self._starting:
            self._owner.notify(f"doover-tunnel is starting for {label_of(tunnel)}", markup=False)
        elif tunnel.id in self._open:
            self._owner.run_worker(self._close(tunnel), group=f"local-close-{tunnel.id}", exit_on_error=False)
        else:
            self._starting.add(tunnel.id)
            self._owner.run_worker(self._run(tunnel), group=f"local-{tunnel.id}", exit_on_error=False)

    async def _run(self, tunnel: Tunnel) -> None:
        try:
            local = await LocalTunnel.start(tunnel.device_id, tunnel.id)
        except TunnelProgramError as exc:
            self._owner.notify(str(exc), title="Cannot open locally", severity="error", markup=False, timeout=20)
            return
        finally:
            self._starting.discard(tunnel.id)
        self._started = [*self.running, local]
        self._open[tunnel.id] = local
        self._changed()
        try:
            port = await local.wait_for_port()
            self._changed()
            self._owner.notify(
                f"{label_of(tunnel)} is open at localhost:{port} (o closes it)", title="Opened locally", markup=False
            )
            code = await local.wait_closed()
            if not local.stopping:
                said = printable(local.last_words())
                note = f"doover-tunnel for {label_of(tunnel)} exited (code {code})" + (f": {said}" if said else "")
                self._owner.notify(note, severity="warning", markup=False, timeout=15)
        except TunnelProgramError as exc:
            self._owner.notify(printable(str(exc)), title="Cannot open locally", severity="error", markup=False)
        finally:
            local.signal_stop()  # also when this worker is cancelled: the process must not outlive it
            if self._open.get(tunnel.id) is local:
                del self._open[tunnel.id]
            if not self._closing:
                self._changed()

    async def _close(self, tunnel: Tunnel) -> None:
        await self.close(tunnel.id)
        self._owner.notify(f"closed the local end of {label_of(tunnel)}", markup=False)

    async def close(self, tunnel_id: str) -> None:
        """Stop the local end of a tunnel, if it has one."""
        local = self._open.get(tunnel_id)
        if local is not None:
            await local.stop()

    async def stop_all(self) -> None:
        """Stop every process started here (terminate, then kill after a bound); for unmount and exit."""
        self._closing = True
        await asyncio.gather(*(local.stop() for local in self._started), return_exceptions=True)
