"""Handing a document to the user's own editor (``$VISUAL`` / ``$EDITOR``) with the app suspended."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

EXTERNAL_ABOVE_BYTES = 100_000
"""Bigger documents go to ``$EDITOR``: Textual's text box takes over a second per key at 1 MB."""


def too_big_for_the_text_box(text: str) -> bool:
    """Whether ``text`` is edited in ``$EDITOR`` and only summarised on screen."""
    return len(text.encode()) > EXTERNAL_ABOVE_BYTES


def edit_externally(app: App[Any], text: str, name: str) -> str | None:
    """Hand ``text`` to ``$VISUAL``/``$EDITOR`` with the app suspended; the edited text, or None if it failed."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="doover-tui-") as folder:
        path = Path(folder) / name
        path.write_text(text)
        command = [*shlex.split(editor), str(path)]
        try:
            try:
                with app.suspend():
                    finished = subprocess.run(command, check=False)
            except SuspendNotSupported:
                # No terminal to hand over (headless, e.g. under test): run it as it is.
                finished = subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
        except (OSError, ValueError) as exc:
            app.notify(f"could not run {editor!r}: {exc}", title="$EDITOR", severity="error", markup=False)
            return None
        if finished.returncode != 0:
            app.notify(f"{editor} exited with {finished.returncode}: nothing changed", severity="warning", markup=False)
            return None
        return path.read_text()
