"""Opening the editor on an aggregate or a new message: drafts offered back, ``$EDITOR`` for big documents."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App

from doover_tui.api.errors import DooverError
from doover_tui.api.models import Aggregate, Channel, ChannelRef, Message
from doover_tui.drafts import DraftKey, DraftKind, Drafts
from doover_tui.json_view import value_at
from doover_tui.jsonedit import MISSING, pretty
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.edit_modal import EditModal, EditTarget
from doover_tui.screens.external_editor import edit_externally, too_big_for_the_text_box
from doover_tui.store import Store


def draft_key(
    options: BrowserOptions, ref: ChannelRef, path: tuple[str | int, ...], kind: DraftKind = "aggregate"
) -> DraftKey:
    """Where the draft of this edit lives (separate per connection, channel, kind and subtree)."""
    return DraftKey(options.host, ref.agent_id, ref.name, kind, "/".join(str(part) for part in path))


def drafts_of(options: BrowserOptions) -> Drafts:
    """The drafts folder (the state dir; a temporary one when none was configured, e.g. in tests)."""
    return Drafts(options.drafts_dir or Path(tempfile.gettempdir()) / "doover-tui-drafts")


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
    base = (await store.aggregate(ref)).value.data
    settings = await _settings_of(store, ref)
    schema = settings.aggregate_schema if settings else None
    target = EditTarget(ref=ref, base=base, path=path, schema=schema, draft_key=draft_key(options, ref, path))
    value = value_at(base, path)
    start = pretty(None if value is MISSING else value)
    result = await _edit(app, store, options, target, start, f"edit of {ref.name}", external=external)
    return result if isinstance(result, Aggregate) else None


async def publish_message(
    app: App[Any], store: Store, options: BrowserOptions, ref: ChannelRef, template: Any, *, external: bool = False
) -> Message | None:
    """Write a new message (starting from ``template``, e.g. the newest one) and publish it after a preview.

    Must run in a worker: it waits for the user.
    """
    settings = await _settings_of(store, ref)
    schema = settings.message_schema if settings else None
    key = draft_key(options, ref, (), kind="message")
    target = EditTarget(ref=ref, base=template, path=(), schema=schema, draft_key=key, purpose="message")
    result = await _edit(app, store, options, target, pretty(template), f"message for {ref.name}", external=external)
    return result if isinstance(result, Message) else None


async def _edit(
    app: App[Any], store: Store, options: BrowserOptions, target: EditTarget, start: str, what: str, *, external: bool
) -> Aggregate | Message | None:
    """Offer a kept draft, go through ``$EDITOR`` when asked (or the text is too big), then run the editor."""
    drafts = drafts_of(options)
    text = await _offer_draft(app, drafts, target.draft_key, start, what)
    if text is None:
        return None
    external = external or too_big_for_the_text_box(text)
    if external:
        suffix = "-message" if target.purpose == "message" else ""
        edited = edit_externally(app, text, f"{target.ref.name}{suffix}.json")
        if edited is None:
            return None
        text = edited
    # A message is new data, not an aggregate update, so there is nothing to log.
    log_update = options.log_update and target.purpose == "aggregate"
    modal = EditModal(store, drafts, target, text, log_update=log_update, preview_at_once=external)
    result: Aggregate | Message | None = await app.push_screen_wait(modal)
    return result


async def _offer_draft(app: App[Any], drafts: Drafts, key: DraftKey, text: str, what: str) -> str | None:
    """The text to start from: a kept draft if the user restores it; None if they backed out."""
    draft = await asyncio.to_thread(drafts.load, key)
    if draft is None or draft.text == text:
        return text
    when = datetime.fromtimestamp(draft.saved_at).strftime("%Y-%m-%d %H:%M:%S")
    question = f"An unsent {what} from {when} was kept.\nRestore it, or discard it and start afresh?"
    choices = [("r", "restore the draft"), ("d", "discard it")]
    answer = await app.push_screen_wait(ChoiceModal("Unsent draft", question, choices))
    if answer is None:
        return None
    if answer == "r":
        return draft.text
    await asyncio.to_thread(drafts.delete, key)
    return text


async def _settings_of(store: Store, ref: ChannelRef) -> Channel | None:
    try:
        return (await store.channel(ref)).value
    except DooverError:
        return None  # without the settings the edit is still possible, just not checked against a schema
