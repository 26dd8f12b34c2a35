"""Structural rules: the core imports no Textual; modules stay small."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "doover_tui"

CORE_MODULES = [
    "doover_tui.api.client",
    "doover_tui.api.gateway",
    "doover_tui.config.connection",
    "doover_tui.store",
    "doover_tui.cache",
    "doover_tui.connect",
    "doover_tui.logs",
    "doover_tui.cli",
    "doover_tui.emulator.app",
    "doover_tui.emulator.server",
    "doover_tui.emulator.cli",
]


# httpx's own __init__ imports its command-line module, which imports rich whenever rich
# is installed (it is, with Textual). So the baseline is "after httpx and websockets":
# what our module adds on top must hold no textual and no rich.
PROBE = """
import sys
import httpx, websockets.asyncio.client
before = set(sys.modules)
import {module}
added = sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('textual', 'rich'))
print(added, 'textual' in sys.modules)
"""


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_textual_or_rich(module: str) -> None:
    probe = PROBE.format(module=module)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] False"


def test_probe_detects_a_textual_import() -> None:
    probe = PROBE.format(module="textual.app")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().endswith("True")


def test_cli_import_stays_light() -> None:
    """`--help` and `--version` must not pay for Textual, httpx or websockets."""
    heavy = "{'textual', 'httpx', 'websockets'}"
    code = f"import sys, doover_tui.cli; print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy}))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


LIMITS = {"app.py": 200}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_size_limits(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= LIMITS.get(path.name, 500), f"{path.name} has {lines} lines"
