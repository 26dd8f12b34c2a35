"""Undo from the message log: put the aggregate back as it was after a logged update (a PUT, previewed)."""

from __future__ import annotations

from typing import Any

from textual.app import App

from doover_tui.aggregate_history import Restoration, restore_after
from doover_tui.api import merge
from doover_tui.api.models import Aggregate, ChannelRef, Message
from doover_tui.jsonedit import pretty
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal
from doover_tui.screens.edit_flow import draft_key, drafts_of
from doover_tui.screens.edit_modal import EditModal, EditTarget
from doover_tui.store import Store
from doover_tui.update_log import UpdateLog

LOG_READ_BACK = 2000
"""Messages read back before the chosen one: enough history to rebuild what later updates changed."""


async def restore_aggregate(
    app: App[Any], store: Store, options: BrowserOptions, ref: ChannelRef, message: Message
) -> Aggregate | None:
    """Rebuild the aggregate as it was after ``message``, say how sure that is, and PUT it after the preview.

    Must run in a worker: it waits for the user.

    Raises:
        DooverError: the log or the aggregate could not be read.
    """
    log = await store.update_log(ref, message, earlier=LOG_READ_BACK)
    current = (await store.aggregate(ref, force=True)).value.data
    restoration = restore_after(current, [m.data for m in log.up_to], [m.data for m in log.after])
    when = _when(message)
    if merge.diff(current, restoration.document).unchanged:
        app.notify(f"{ref.name} is already as it was after the message of {when}", markup=False)
        return None
    question = _question(ref, when, restoration, log)
    choices = [("r", "review the restore (PUT preview)")]
    answer = await app.push_screen_wait(ChoiceModal("Restore the aggregate", question, choices))
    if answer != "r":
        return None
    target = EditTarget(
        ref=ref,
        base=current,
        path=(),
        schema=None,  # restoring a past state: it was valid then, whatever the schema says now
        draft_key=draft_key(options, ref, (message.id,), kind="restore"),
        title=f"Restore {ref.name} to after the message of {when}",
    )
    text = pretty(restoration.document)
    modal = EditModal(
        store, drafts_of(options), target, text, log_update=options.log_update, mode="put", preview_at_once=True
    )
    result = await app.push_screen_wait(modal)
    return result if isinstance(result, Aggregate) else None


def _when(message: Message) -> str:
    # Local time, as the message table shows it.
    return message.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if message.created_at else f"id {message.id}"


def _question(ref: ChannelRef, when: str, restoration: Restoration, log: UpdateLog) -> str:
    """What the restore is built from and what it cannot restore, in words."""
    lines = [
        f"Put {ref.name} back as it was after the message of {when}?",
        f"Rebuilt by replaying {restoration.replayed:,} logged update(s) up to it"
        + ("" if log.complete else f" (the log was read back {LOG_READ_BACK:,} messages)")
        + f" and undoing the {restoration.undone:,} after it.",
    ]
    if restoration.unknown_paths:
        shown = ", ".join(restoration.unknown_paths[:6]) + (" …" if len(restoration.unknown_paths) > 6 else "")
        lines.append(
            f"{len(restoration.unknown_paths)} path(s) changed since cannot be rebuilt from the log "
            f"(no earlier logged update set them) and keep their current values: {shown}"
        )
    lines.append("It is sent as a PUT (replace), after the usual preview.")
    return "\n".join(lines)
