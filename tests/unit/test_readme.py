"""README's set-up commands are the ones CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", (ROOT / "README.md").read_text(), flags=re.S)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = next(block for block in sh_blocks() if "pytest" in block)
    ci_lines = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_lines[-1] == test_command


def test_readme_run_command_needs_no_account() -> None:
    run_command = next(block for block in sh_blocks() if "doover-tui" in block)
    assert run_command.endswith(".venv/bin/doover-tui --demo")
