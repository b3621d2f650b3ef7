"""The hand-built September (tests/reports/test_reports.py), frozen: equal to its replay."""

import datetime

from tests.assessment.frozen import freeze_and_compare
from tests.reports.test_reports import cast, story  # noqa: F401


def test_the_frozen_september_is_the_september_replayed_at_the_moment_of_freezing(story, cast):  # noqa: F811
    frozen = freeze_and_compare(datetime.date(2026, 9, 1))
    assert frozen["figures"]["submitted"] == 10 and frozen["figures"]["red"] == 1
