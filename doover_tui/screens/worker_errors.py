"""How screens report failures: an API error as a toast; an unexpected worker death logged and in a modal.

Worker state messages do not bubble, so every node that runs workers forwards its own here.
"""

from __future__ import annotations

import logging
import traceback

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from doover_tui.api.errors import DooverError
from doover_tui.literal import printable
from doover_tui.logs import redact
from doover_tui.screens.error_modal import ErrorModal

log = logging.getLogger(__name__)


def report_failed_worker(node: DOMNode, event: Worker.StateChanged) -> None:
    """Show and log a worker's unexpected failure; the app keeps running."""
    error = event.worker.error
    if event.state is not WorkerState.ERROR or error is None:
        return
    text = masked_traceback(error)
    log.error("worker %s failed:\n%s", event.worker.name, text)
    node.app.push_screen(ErrorModal(f"Unexpected error: {type(error).__name__}", text))


def masked_traceback(error: BaseException | None) -> str:
    """A traceback's text with every known secret masked, without frame locals.

    Exception text from libraries may quote a header or URL holding a token, and what is
    shown can be copied or pasted into an issue.
    """
    if error is None:
        return "unknown error"
    return redact("".join(traceback.format_exception(error)))


def notify_failure(node: DOMNode, error: DooverError) -> None:
    """A toast for an API failure: its title, and the server's words shown literally (and logged)."""
    log.warning("%s: %s", error.title, error.detail)
    node.app.notify(printable(error.detail), title=error.title, severity="error", markup=False)
