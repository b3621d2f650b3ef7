"""The hand-built November of outcomes and rating reviews (tests/reports/test_outcome_figures.py),
frozen: equal to its replay."""

import datetime

from tests.assessment.frozen import freeze_and_compare
from tests.reports.test_outcome_figures import story  # noqa: F401


def test_the_frozen_november_is_the_november_replayed_at_the_moment_of_freezing(story):  # noqa: F811
    frozen = freeze_and_compare(datetime.date(2026, 11, 1))
    assert frozen["figures"]["resolved"] > frozen["figures"]["solved"]
