"""What a benchmark parent and its app process share: the environment, a scratch directory, the result line.

Kept free of Textual and the app, so a cold-start child importing it pays for nothing it would not
import anyway.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

SIZE = (160, 50)
"""The terminal the app runs in: wide enough for all three browser panes."""
RESULT = "RESULT "
"""The prefix of a child's result line (JSON follows)."""


def child_env(scratch: Path, control: str, data: str, token: str) -> dict[str, str]:
    """The environment of an app process: our emulator, our token, every directory in ``scratch``."""
    env = dict(os.environ)
    env.update(
        DOOVER_API_TOKEN=token,
        DOOVER_DATA_API_BASE_URL=data,
        DOOVER_CONFIG_FILE=str(scratch / "doover-config"),
        # Frames are turned into terminal bytes as for a modern terminal (see bench.frames).
        TEXTUAL_COLOR_SYSTEM="truecolor",
    )
    for kind in ("CONFIG", "CACHE", "STATE", "DATA", "LOG"):
        env[f"DOOVER_TUI_{kind}_DIR"] = str(scratch / kind.lower())
    return env


@contextlib.contextmanager
def scratch_dir() -> Iterator[Path]:
    """An empty directory for one app run's profile, settings, cache, state and logs."""
    with tempfile.TemporaryDirectory(prefix="doover-tui-bench-") as scratch:
        yield Path(scratch)
