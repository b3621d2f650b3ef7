"""The score of a department for a month, and its rank in its group (DESIGN.md §10).

    score = Σ weight_r × rate_r  −  Σ deduction_c × count_c,  floored at 0, rounded to 2 decimals

- r runs over the weighted rates (tickets.models.assessment.WEIGHTED_RATES: response_rate,
  contact_rate, on_time_rate, solved_rate, satisfaction_rate, co_feedback_rate), each rate an
  exact fraction from the report; the weights are whole percentages summing to 100, so a
  department with every rate at 100% and nothing deducted scores 100.
- **A rate with nothing to measure that month (no denominator: the report's None) counts as 1.0,
  full marks**: a department is not marked down for what it was not asked to do (no co-handling,
  no rating given…).
- c runs over the deducted counts (DEDUCTED_COUNTS: overruled_returns, reopened, yellow, red),
  each charged its deduction in points.
- The sum is computed exactly (fractions), floored at 0, and rounded once, half-up, to 2 decimals
  (tickets.reports.numbers.rounded).

Rank within a group: score descending; equal scores by the on-time rate descending (no
denominator counting as 1.0, as in the score), then by department name. Every department gets a
rank of its own (1, 2, 3…).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tickets.reports.numbers import rounded

SCORE_PLACES = 2
FULL_MARKS = Fraction(1)

Rate = Fraction | Decimal | int | None


def measured(rate: Rate) -> Fraction:
    """The rate as a fraction for the score: None (nothing to measure) counts as full marks."""
    return FULL_MARKS if rate is None else Fraction(rate)


def score(*, figures: Mapping[str, object], weights: Mapping[str, int], deductions: Mapping[str, Decimal]) -> Decimal:
    """The score out of 100 from a month's figures (the report's dict: rates and counts by their
    keys), the weights ({rate key: percent}) and the deductions ({count key: points})."""
    total = Fraction(0)
    for rate, weight in weights.items():
        value = figures.get(rate)
        if value is not None and not isinstance(value, Fraction | Decimal | int):
            raise TypeError(f"{rate} must be a Fraction, Decimal, int or None, not {type(value).__name__}")
        total += weight * measured(value)
    for count, points in deductions.items():
        number = figures.get(count) or 0
        if not isinstance(number, int):
            raise TypeError(f"{count} must be an int, not {type(number).__name__}")
        total -= Fraction(points) * number
    return rounded(max(total, Fraction(0)), places=SCORE_PLACES)


@dataclass(frozen=True)
class Entry:
    """One department to rank: `key` identifies it, `name` breaks the last ties."""

    key: str
    name: str
    score: Decimal
    on_time_rate: Rate


def ranks(entries: Sequence[Entry]) -> dict[str, int]:
    """{key: rank} within one group: by score, then on-time rate, both highest first, then name."""
    ordered = sorted(entries, key=lambda entry: (-entry.score, -measured(entry.on_time_rate), entry.name))
    return {entry.key: position for position, entry in enumerate(ordered, start=1)}
