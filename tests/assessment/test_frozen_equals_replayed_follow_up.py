"""The hand-built October of follow-up calls (tests/reports/test_follow_up_figures.py), frozen:
equal to its replay."""

import datetime

from tests.assessment.frozen import freeze_and_compare
from tests.reports.test_follow_up_figures import story  # noqa: F401


def test_the_frozen_october_is_the_october_replayed_at_the_moment_of_freezing(story):  # noqa: F811
    frozen = freeze_and_compare(datetime.date(2026, 10, 1))
    assert frozen["figures"]["followed_up"] > 0
