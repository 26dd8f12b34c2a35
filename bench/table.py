"""Collect samples and print them as one table: median, spread, and the ratio to a same-run baseline."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    baseline_name: str = ""
    baseline: list[float] = field(default_factory=list)
    higher_is_better: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.median / statistics.median(self.baseline)


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    return f"{value:.3g} {unit}"


def render(figures: list[Figure]) -> str:
    rows = [("figure", "median", "spread (min–max)", "baseline (median)", "ratio")]
    for f in figures:
        spread = f"{_fmt(min(f.samples), f.unit)} – {_fmt(max(f.samples), f.unit)}"
        base = f"{f.baseline_name}: {_fmt(statistics.median(f.baseline), f.unit)}" if f.baseline else "—"
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "—"
        rows.append((f.name, _fmt(f.median, f.unit), spread, base, ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
