"""Opening the editor on an aggregate: drafts offered back, ``$EDITOR`` for big documents, the result shown."""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Aggregate, ChannelRef
from doover_tui.drafts import DraftKey, Drafts
from doover_tui.json_view import value_at
from doover_tui.jsonedit import MISSING, pretty
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.edit_modal import EditModal, EditTarget
from doover_tui.store import Store

EXTERNAL_ABOVE_BYTES = 100_000
"""Bigger documents go to ``$EDITOR``: the built-in editor slows down with each key past about this size."""


def draft_key(options: BrowserOptions, ref: ChannelRef, path: tuple[str | int, ...]) -> DraftKey:
    """Where the draft of this edit lives (separate per connection, channel and subtree)."""
    return DraftKey(options.host, ref.agent_id, ref.name, "aggregate", "/".join(str(part) for part in path))


async def edit_aggregate(
    app: App[Any],
    store: Store,
    options: BrowserOptions,
    ref: ChannelRef,
    path: tuple[str | int, ...],
    *,
    external: bool,
) -> Aggregate | None:
    """Run one edit from start to end; returns the server's new aggregate, or None if nothing was sent.

    Must run in a worker: it waits for the user.

    Raises:
        DooverError: the aggregate could not be read to start from.
    """
    drafts = Drafts(options.drafts_dir or Path(tempfile.gettempdir()) / "doover-tui-drafts")
    base = (await store.aggregate(ref)).value.data
    schema = await _schema_of(store, ref)
    key = draft_key(options, ref, path)
    value = value_at(base, path)
    text = pretty(None if value is MISSING else value)
    draft = await asyncio.to_thread(drafts.load, key)
    if draft is not None and draft.text != text:
        when = datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M:%S")
        question = f"An unsent edit of {ref.name} from {when} was kept.\nRestore it, or discard it and start afresh?"
        choices = [("r", "restore the draft"), ("d", "discard it")]
        answer = await app.push_screen_wait(ChoiceModal("Unsent draft", question, choices))
        if answer is None:
            return None
        if answer == "r":
            text = draft.text
        else:
            await asyncio.to_thread(drafts.delete, key)
    if external or len(text.encode()) > EXTERNAL_ABOVE_BYTES:
        edited = edit_externally(app, text, f"{ref.name}.json")
        if edited is None:
            return None
        text = edited
    target = EditTarget(ref=ref, base=base, path=path, schema=schema, draft_key=key)
    modal = EditModal(store, drafts, target, text, log_update=options.log_update)
    result: Aggregate | None = await app.push_screen_wait(modal)
    return result


async def _schema_of(store: Store, ref: ChannelRef) -> dict[str, Any] | None:
    try:
        return (await store.channel(ref)).value.aggregate_schema
    except DooverError:
        return None  # without the settings the edit is still possible, just not checked against a schema


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
