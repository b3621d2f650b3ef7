"""The periods a report is asked for (tickets.reports.periods): this month, quarter or year up to
today, or a custom period of both dates, in order, at most five years; anything else refused with
a message for the person who asked."""

import datetime

import pytest
from django.utils import translation

from tests.conftest import day
from tickets import reports
from tickets.reports import periods
from tickets.reports.periods import PeriodError, chosen_period, period_bounds

TODAY = day(5, 17)


@pytest.fixture(autouse=True)
def _in_english():
    """The refusals' messages are matched in English (one test checks the Chinese)."""
    with translation.override("en"):
        yield


def test_this_month_is_its_first_day_to_today():
    assert period_bounds(period="month", today=TODAY) == (day(5, 1), TODAY)


def test_this_year_is_january_the_first_to_today():
    assert period_bounds(period="year", today=TODAY) == (day(1, 1), TODAY)


@pytest.mark.parametrize(
    ("today", "first_day"),
    [
        (day(1, 1), day(1, 1)),
        (day(3, 31), day(1, 1)),
        (day(4, 1), day(4, 1)),
        (day(6, 30), day(4, 1)),
        (day(7, 1), day(7, 1)),
        (day(9, 30), day(7, 1)),
        (day(10, 1), day(10, 1)),
        (day(12, 31), day(10, 1)),
    ],
    ids=str,
)
def test_this_quarter_starts_on_the_first_day_of_its_quarter(today, first_day):
    assert period_bounds(period="quarter", today=today) == (first_day, today)


def test_month_quarter_and_year_ignore_the_dates_given():
    for period in ("month", "quarter", "year"):
        assert period_bounds(period=period, start=day(1, 1, 2020), end=day(2, 1, 2020), today=TODAY)[1] == TODAY


def test_a_custom_period_is_its_two_dates():
    assert period_bounds(period="custom", start=day(3, 1), end=day(3, 31), today=TODAY) == (day(3, 1), day(3, 31))


def test_a_custom_period_may_be_one_day_and_may_end_after_today():
    assert period_bounds(period="custom", start=TODAY, end=TODAY, today=TODAY) == (TODAY, TODAY)
    assert period_bounds(period="custom", start=TODAY, end=day(12, 31), today=TODAY) == (TODAY, day(12, 31))


def test_a_custom_period_may_span_five_years_of_366_days():
    start = day(1, 1, 2021)
    end = start + datetime.timedelta(days=366 * 5)
    assert period_bounds(period="custom", start=start, end=end, today=TODAY) == (start, end)


def test_a_custom_period_of_more_than_five_years_is_refused():
    start = day(1, 1, 2021)
    with pytest.raises(PeriodError, match="at most five years"):
        period_bounds(period="custom", start=start, end=start + datetime.timedelta(days=366 * 5 + 1), today=TODAY)


@pytest.mark.parametrize(("start", "end"), [(day(3, 1), None), (None, day(3, 31)), (None, None)], ids=["no end", "no start", "neither"])
def test_a_custom_period_needs_both_dates(start, end):
    with pytest.raises(PeriodError, match="both dates"):
        period_bounds(period="custom", start=start, end=end, today=TODAY)


def test_a_custom_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(PeriodError, match="start is after its end"):
        period_bounds(period="custom", start=day(3, 31), end=day(3, 1), today=TODAY)


def test_an_unknown_period_is_refused():
    with pytest.raises(PeriodError, match="week"):
        period_bounds(period="week", today=TODAY)


def test_a_refusal_is_a_value_error_in_the_language_of_the_request():
    with translation.override("zh-hans"), pytest.raises(ValueError) as refusal:
        period_bounds(period="custom", start=day(3, 31), end=day(3, 1), today=TODAY)
    assert isinstance(refusal.value, PeriodError) and str(refusal.value) == "起始日期晚于截止日期。"


@pytest.mark.parametrize(
    ("period", "start", "end", "chosen"),
    [
        ("", None, None, "year"),
        (None, None, None, "year"),
        (None, day(3, 1), None, "custom"),
        ("", None, day(3, 1), "custom"),
        ("month", day(3, 1), day(3, 2), "month"),
    ],
)
def test_without_a_period_it_is_custom_when_a_date_is_given_else_the_year(period, start, end, chosen):
    assert chosen_period(period=period, start=start, end=end) == chosen


def test_every_period_has_a_name():
    assert list(periods.PERIODS) == ["month", "quarter", "year", "custom"]
    assert all(str(name) for name in periods.PERIODS.values())


def test_the_report_refuses_a_period_that_ends_before_it_starts_with_the_same_error(db):
    with pytest.raises(PeriodError, match="start is after its end"):
        reports.report(start=day(9, 30), end=day(9, 14))
