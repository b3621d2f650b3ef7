"""Freezing and correcting a month at a given past moment (`at`, as the demo data's backdated
history does): the figures are the report replayed at that moment, and the claim, the rows and
the bulletin's notifications carry it. On the hand-built September of tests/reports/test_reports.py."""

import datetime

import pytest

from tests.assessment.test_freeze import PERIOD, SEPTEMBER, scheme, shown  # noqa: F401  (scheme: September's, a fixture)
from tests.conftest import at, day
from tests.reports.test_reports import cast, story  # noqa: F401  (the hand-built data set's fixtures)
from tickets import reports
from tickets.models import MonthlyAssessment, Notification
from tickets.selectors.assessment import figures, frozen_month, monthly_assessment
from tickets.services.assessment import assessment_correct_month, assessment_freeze_month
from tickets.services.base import ActionRefused

# Oct 9 08:00: T2 is not resolved yet (Oct 9 23:30), T3 is (Oct 8); T4 not auto-closed (Oct 14).
MOMENT = at(day(10, 9), 8)


def test_a_freeze_at_a_past_moment_stores_the_figures_as_they_were_then(story, scheme):  # noqa: F811
    result = assessment_freeze_month(month=SEPTEMBER, by=None, at=MOMENT)
    assert result.frozen and frozen_month(SEPTEMBER).frozen_at == MOMENT
    [city] = monthly_assessment(SEPTEMBER, kind="city")
    then, now = reports.report(**PERIOD, as_of=MOMENT), reports.report(**PERIOD)
    assert shown(figures(city)) == shown(then) != shown(now)
    assert figures(city)["as_of"] == MOMENT
    for kind in ("department", "category", "district", "industry"):
        frozen = {row.label: shown(figures(row)) for row in monthly_assessment(SEPTEMBER, kind=kind)}
        assert frozen == {line["label"]: shown(line) for line in reports.breakdown(kind, **PERIOD, as_of=MOMENT)}, kind
    assert set(MonthlyAssessment.objects.values_list("frozen_at", flat=True)) == {MOMENT}
    told = Notification.objects.filter(kind=Notification.Kind.BULLETIN)
    assert told.exists() and set(told.values_list("created_at", flat=True)) == {MOMENT}


def test_a_correction_at_a_past_moment_replays_the_figures_then(story, scheme):  # noqa: F811
    assessment_freeze_month(month=SEPTEMBER, by=None, at=MOMENT)
    later = at(day(10, 16), 16)
    result = assessment_correct_month(month=SEPTEMBER, by=None, reason="复核后更正", at=later)
    assert result.edition == 2 and frozen_month(SEPTEMBER).frozen_at == later
    [first] = monthly_assessment(SEPTEMBER, kind="city", edition=1)
    [second] = monthly_assessment(SEPTEMBER, kind="city")
    assert shown(figures(first)) == shown(reports.report(**PERIOD, as_of=MOMENT))
    assert shown(figures(second)) == shown(reports.report(**PERIOD, as_of=later))
    assert figures(second)["closed"] > figures(first)["closed"]  # T4 auto-closed on Oct 14
    assert Notification.objects.filter(kind=Notification.Kind.BULLETIN, created_at=later).exists()


def test_a_month_that_had_not_ended_at_the_moment_given_is_refused(story, scheme):  # noqa: F811
    with pytest.raises(ActionRefused) as refused:
        assessment_freeze_month(month=SEPTEMBER, by=None, at=at(day(9, 30), 18))
    assert refused.value.code == "invalid" and frozen_month(SEPTEMBER) is None
    assert assessment_freeze_month(month=datetime.date(2026, 9, 30), by=None, at=at(day(10, 1), 0, 0)).frozen
