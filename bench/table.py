"""Collect samples and print them as one table: median, spread, the ratio to a same-run baseline, the budget."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Budget:
    """A product.md budget, checked against a figure's median or against its ratio to the baseline."""

    text: str
    limit: float
    on_ratio: bool = False
    at_least: bool = False

    def met(self, figure: Figure) -> bool | None:
        value = figure.ratio if self.on_ratio else figure.median
        if value is None:
            return None
        return value >= self.limit if self.at_least else value <= self.limit


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    baseline_name: str = ""
    baseline: list[float] = field(default_factory=list)
    higher_is_better: bool = False
    budget: Budget | None = None
    notes: list[str] = field(default_factory=list)
    """Facts worth printing under the table (what was measured, what the load really was)."""

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float | None:
        if not self.baseline or not self.samples:
            return None
        return self.median / statistics.median(self.baseline)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile (0.5 = median, 0.99 = p99) by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        if value < 0.1:
            return f"{value * 1000:.1f} ms"
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit in ("req/s", "msg/s"):
        return f"{value:,.0f} {unit}"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:.3g} {unit}"


def _verdict(figure: Figure) -> str:
    if figure.budget is None:
        return "—"
    met = figure.budget.met(figure)
    word = "n/a" if met is None else "met" if met else "MISSED"
    return f"{figure.budget.text}: {word}"


def render(figures: list[Figure]) -> str:
    header = ("figure", "median", "spread (min–max)", "baseline (median)", "ratio", "budget")
    rows = [header]
    for f in figures:
        if not f.samples:
            rows.append((f.name, "no samples", "—", "—", "—", "—"))
            continue
        spread = f"{_fmt(min(f.samples), f.unit)} – {_fmt(max(f.samples), f.unit)}"
        base = f"{f.baseline_name}: {_fmt(statistics.median(f.baseline), f.unit)}" if f.baseline else "—"
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "—"
        rows.append((f.name, _fmt(f.median, f.unit), spread, base, ratio, _verdict(f)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"- {f.name}: {note}" for f in figures for note in f.notes]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)
