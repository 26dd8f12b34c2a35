"""The last resort for workers: one that dies of an unexpected exception is logged and shown in a modal.

Worker state messages do not bubble, so every node that runs workers forwards its own here.
"""

from __future__ import annotations

import logging
import traceback

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from doover_tui.screens.error_modal import ErrorModal

log = logging.getLogger(__name__)


def report_failed_worker(node: DOMNode, event: Worker.StateChanged) -> None:
    """Show and log a worker's unexpected failure; the app keeps running."""
    error = event.worker.error
    if event.state is not WorkerState.ERROR or error is None:
        return
    text = "".join(traceback.format_exception(error))
    log.error("worker %s failed:\n%s", event.worker.name, text)
    node.app.push_screen(ErrorModal(f"Unexpected error: {type(error).__name__}", text))
