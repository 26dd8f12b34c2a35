"""The status bar: where we are connected, how fresh the data is, and how many requests failed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from doover_tui.literal import printable

FEED_STYLES = {"LIVE": "bold $text-success", "POLLING": "bold $text-warning", "OFFLINE": "bold $text-error"}


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """Everything the status bar shows.

    Attributes:
        source: where the connection came from (profile name or "demo").
        host: the API host.
        organisation: the organisation header, if one is set.
        read_only: writes are refused in this session.
        feed: LIVE, POLLING or OFFLINE, or "" before anything was loaded.
        feed_detail: a few words on the feed ("gateway", "every 3 s", the last error).
        age: seconds since the data on screen was fetched or confirmed, or None.
        stale: the data on screen is older than its maximum age or comes from the offline snapshot.
        errors: failed requests since start.
        note: a short note on what is under way ("loading channels…").
    """

    source: str = ""
    host: str = ""
    organisation: str | None = None
    read_only: bool = False
    feed: str = ""
    feed_detail: str = ""
    age: float | None = None
    stale: bool = False
    errors: int = 0
    note: str = ""


def age_words(seconds: float) -> str:
    """A short age: ``3 s``, ``4 min``, ``2 h``, ``5 d``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


class StatusBar(Static):
    """One line at the bottom of the browser."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    facts: reactive[StatusFacts] = reactive(StatusFacts, layout=False)
    """What is shown; the screen replaces it as things change (and once a second, for the age)."""

    def render(self) -> Text:
        """The line: every device- or server-supplied piece goes in as plain text."""
        facts = self.facts
        parts: list[Text] = [Text(printable(facts.source)), Text(printable(facts.host))]
        if facts.organisation:
            parts.append(Text(f"org {printable(facts.organisation)}"))
        if facts.feed:
            feed = Text(facts.feed, style=self._style(FEED_STYLES.get(facts.feed, "")))
            if facts.feed_detail:
                feed.append(f" ({printable(facts.feed_detail)})")
            parts.append(feed)
        if facts.age is not None:
            parts.append(Text(f"updated {age_words(facts.age)} ago"))
        if facts.stale:
            parts.append(Text("STALE", style=self._style("bold $text-warning")))
        errors = Text(f"{facts.errors} error{'s' if facts.errors != 1 else ''}")
        if facts.errors:
            errors.stylize(self._style("$text-error"))
        parts.append(errors)
        if facts.read_only:
            parts.append(Text("READ-ONLY", style=self._style("bold $text-warning")))
        if facts.note:
            parts.append(Text(printable(facts.note)))
        return Text(" · ").join(parts)

    def _style(self, spec: str) -> str:
        """Resolve ``$variables`` of the current theme into a Rich style string."""
        if not spec:
            return ""
        variables = self.app.theme_variables
        words = [variables.get(word[1:], "") if word.startswith("$") else word for word in spec.split()]
        return " ".join(word for word in words if word)
