"""Fixtures for Pilot tests."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message passed to App.notify during the test, in order."""
    seen: list[str] = []
    original = App.notify

    def spy(self: App[Any], message: str, **kwargs: Any) -> None:
        seen.append(message)
        original(self, message, **kwargs)

    monkeypatch.setattr(App, "notify", spy)
    return seen
