"""Quitting without losing anything: unsent drafts are named first, with the choice to drop them."""

from __future__ import annotations

from typing import Any

from textual.app import App

from doover_tui.drafts import Draft
from doover_tui.screens.browser_support import BrowserOptions
from doover_tui.screens.choice_modal import ChoiceModal


def quit_keeping_drafts_safe(app: App[Any], options: BrowserOptions) -> None:
    """Exit at once when no draft is kept for this connection; otherwise ask (keep / discard / stay)."""
    # Imported here, at quit: the editing modules are not needed to start, and cost ~25 ms to import.
    from doover_tui.screens.edit_flow import drafts_of
    from doover_tui.screens.edit_modal import EditModal

    for screen in app.screen_stack:
        if isinstance(screen, EditModal):
            screen.keep_draft()  # the open editor's text counts too, and must be on disk before we go
    drafts = [draft for draft in drafts_of(options).all() if draft.key.scope == options.host]
    if not drafts:
        app.exit()
        return
    names = sorted({f"{draft.key.channel} ({draft.key.kind})" for draft in drafts})
    question = (
        f"{len(drafts)} unsent draft(s) are kept: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}.\n"
        "Editing those channels again offers them back."
    )
    choices = [("k", "quit, keeping them"), ("d", "discard them and quit")]
    app.push_screen(ChoiceModal("Unsent drafts", question, choices), lambda key: _answered(app, options, key, drafts))


def _answered(app: App[Any], options: BrowserOptions, key: str | None, drafts: list[Draft]) -> None:
    if key == "d":
        from doover_tui.screens.edit_flow import drafts_of

        folder = drafts_of(options)
        for draft in drafts:
            folder.delete(draft.key)
    if key in ("k", "d"):
        app.exit()
