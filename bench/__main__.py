"""``python -m bench [--quick]``: run the benchmarks and print one table."""

from __future__ import annotations

import argparse
import os
import platform
import time

from bench import emulator
from bench.table import render


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (under a minute)")
    args = parser.parse_args()
    started = time.perf_counter()
    figures = emulator.run(args.quick)
    print(
        f"doover-tui benchmarks · {time.strftime('%Y-%m-%d %H:%M')} · {platform.python_implementation()} "
        f"{platform.python_version()} · {os.cpu_count()} cores · {platform.machine()}"
    )
    print(render(figures))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
