"""The hand-built co-handling week of November (tests/reports/test_cohandling_figures.py), frozen:
equal to its replay, the co figures and the departments that only co-handled included."""

import datetime

from tests.assessment.frozen import freeze_and_compare
from tests.reports.test_cohandling_figures import cast, story  # noqa: F401


def test_the_frozen_november_is_the_november_replayed_at_the_moment_of_freezing(story, cast):  # noqa: F811
    frozen = freeze_and_compare(datetime.date(2026, 11, 1))
    assert frozen["figures"]["co_due"] > 0
