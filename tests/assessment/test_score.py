"""The score formula and the ranking within a group (tickets.assessment.score), on a month worked
out by hand; no database."""

from decimal import Decimal
from fractions import Fraction

import pytest

from tests.factories import SCHEME_DEDUCTIONS, SCHEME_WEIGHTS
from tickets.assessment.score import Entry, ranks, score


def test_a_hand_computed_month():
    """Weights 10 response, 10 contact, 30 on-time, 20 solved, 20 satisfaction, 10 co-feedback;
    deductions 2 per overruled return, 1 per reopened ticket, 2 per yellow, 5 per red card.

    response 9/10, contact 3/4, on-time 2/3, solved 1/2, satisfaction 5/6, co-feedback None
    (no co-handling that month: full marks), 1 overruled return, 2 reopened, 1 yellow, 0 red:

        10 × 9/10 = 9         10 × 3/4 = 7.5        30 × 2/3 = 20
        20 × 1/2  = 10        20 × 5/6 = 16.666…    10 × 1   = 10      sum = 73.1666…
        − (2 × 1 + 1 × 2 + 2 × 1 + 5 × 0) = − 6                        score = 67.1666… → 67.17
    """
    figures = {
        "response_rate": Fraction(9, 10), "contact_rate": Fraction(3, 4), "on_time_rate": Fraction(2, 3),
        "solved_rate": Fraction(1, 2), "satisfaction_rate": Fraction(5, 6), "co_feedback_rate": None,
        "overruled_returns": 1, "reopened": 2, "yellow": 1, "red": 0,
    }  # fmt: skip
    assert score(figures=figures, weights=SCHEME_WEIGHTS, deductions=SCHEME_DEDUCTIONS) == Decimal("67.17")


def test_nothing_to_measure_is_full_marks_and_the_score_is_floored_at_zero():
    nothing = dict.fromkeys(SCHEME_WEIGHTS)  # every rate None
    assert score(figures=nothing, weights=SCHEME_WEIGHTS, deductions=SCHEME_DEDUCTIONS) == Decimal("100.00")
    carded = {**nothing, "red": 30}  # 100 − 5 × 30 = −50 → 0
    assert score(figures=carded, weights=SCHEME_WEIGHTS, deductions=SCHEME_DEDUCTIONS) == Decimal("0.00")


def test_the_score_is_rounded_once_half_up():
    # 30 × 1/8 = 3.75, every other rate 0 → 3.75; 10 × 1/800 = 0.0125 → 0.01; 10 × 1/16 = 0.625 → 0.63.
    zero = dict.fromkeys(SCHEME_WEIGHTS, Fraction(0))
    assert score(figures={**zero, "on_time_rate": Fraction(1, 8)}, weights=SCHEME_WEIGHTS, deductions={}) == Decimal("3.75")
    assert score(figures={**zero, "response_rate": Fraction(1, 800)}, weights=SCHEME_WEIGHTS, deductions={}) == Decimal("0.01")
    assert score(figures={**zero, "response_rate": Fraction(1, 16)}, weights=SCHEME_WEIGHTS, deductions={}) == Decimal("0.63")
    # 10 × 1/3 − 0.5 × 7 = 3.333… − 3.5 < 0 → 0.
    deductions = {"red": Decimal("0.5")}
    assert score(figures={**zero, "contact_rate": Fraction(1, 3), "red": 7}, weights=SCHEME_WEIGHTS, deductions=deductions) == 0


def test_a_figure_of_the_wrong_type_is_an_error():
    with pytest.raises(TypeError):
        score(figures={"on_time_rate": "2/3"}, weights=SCHEME_WEIGHTS, deductions={})


def test_the_rank_is_by_score_then_on_time_rate_then_name():
    entries = [
        Entry("1", "市住建局", Decimal("88.50"), Fraction(1, 2)),
        Entry("2", "市发改委", Decimal("91.00"), Fraction(1, 3)),
        Entry("3", "市人社局", Decimal("88.50"), Fraction(3, 4)),  # same score as 市住建局, better on time
        Entry("4", "市商务局", Decimal("88.50"), Fraction(1, 2)),  # same score and rate as 市住建局: by name
        Entry("5", "市财政局", Decimal("88.50"), None),  # nothing to measure: on time counts as 1.0
    ]
    # The last tie is by name, in the database's and Python's code-point order: 住 (U+4F4F) before 商 (U+5546).
    assert "市住建局" < "市商务局"
    assert ranks(entries) == {"2": 1, "5": 2, "3": 3, "1": 4, "4": 5}
