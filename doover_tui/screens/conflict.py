"""Settling a conflict: the aggregate changed on the server after the editor opened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App

from doover_tui.edit_preview import Mode, Preview, overlapping, rebase, remote_changes
from doover_tui.screens.choice_modal import ChoiceModal

REMOTE_LINES = 14
"""Lines of the remote diff shown in the question (the rest are counted)."""


@dataclass(frozen=True, slots=True)
class SendPlan:
    """What to send after any conflict was settled.

    Attributes:
        mode: PATCH or PUT.
        body: the request body.
        note: what the user should hear about how it was settled ("" if nothing happened).
    """

    mode: Mode
    body: Any
    note: str = ""


async def resolve_conflict(app: App[Any], base: Any, edited: Any, current: Any, preview: Preview) -> SendPlan | None:
    """The plan as previewed when nothing changed remotely; otherwise ask (None: back to editing).

    Must run in a worker: it waits for the user's answer.
    """
    if current == base:
        return SendPlan(preview.mode, preview.body)
    changes = remote_changes(base, current)
    if preview.mode == "patch" and not overlapping(preview, changes):
        # Live devices rewrite counters every few seconds; a patch elsewhere keeps them and mine.
        count = len(changes.added) + len(changes.changed) + len(changes.removed)
        return SendPlan("patch", preview.body, f"merged alongside {count} remote change(s) to other keys")
    shown = [f"{tag} {line}" for tag, line in changes.diff if tag != " "]
    more = f"\n… {len(shown) - REMOTE_LINES} more changed lines" if len(shown) > REMOTE_LINES else ""
    question = (
        "The aggregate changed on the server since you opened the editor:\n"
        + "\n".join(shown[:REMOTE_LINES])
        + more
        + "\n\nOverwrite makes it exactly your document (PUT). Re-apply sends only your changes onto the new state."
    )
    choices = [("o", "overwrite with my document"), ("r", "re-apply my changes"), ("e", "back to editing")]
    answer = await app.push_screen_wait(ChoiceModal("Changed remotely", question, choices))
    if answer == "o":
        return SendPlan("put", edited)
    if answer == "r":
        if preview.mode == "patch":
            return SendPlan("patch", preview.body)  # a merge patch is applied to whatever the state is now
        return SendPlan("put", rebase(base, edited, current))
    return None
