"""The hand-built November of return requests (tests/reports/test_return_figures.py), frozen:
equal to its replay, the overruled returns included."""

import datetime

from tests.assessment.frozen import freeze_and_compare
from tests.reports.test_return_figures import story  # noqa: F401


def test_the_frozen_november_is_the_november_replayed_at_the_moment_of_freezing(story):  # noqa: F811
    frozen = freeze_and_compare(datetime.date(2026, 11, 1))
    assert frozen["figures"]["overruled_returns"] > 0
