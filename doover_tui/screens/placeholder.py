"""A stand-in screen for an area that is not built yet (applications, tunnels)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static


class PlaceholderScreen(Screen[None]):
    """Says which area this is and what to press to go back."""

    def __init__(self, area: str, text: str) -> None:
        super().__init__()
        self.area = area
        self.text = text

    def compose(self) -> ComposeResult:
        """A heading, the explanation, the footer."""
        yield Static(Text(self.area, style="bold"), classes="placeholder-title")
        yield Static(Text(self.text), classes="placeholder-text")
        yield Footer()
