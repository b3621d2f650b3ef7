import datetime

from tickets import workdays
from tickets.models import CalendarDay, CalendarYear


def test_national_day_2026_holiday_is_skipped(db):
    # 2026-09-30 (Wed) + 1 working day: Oct 1–7 is the National Day holiday, Oct 8 is next.
    assert workdays.add_working_days(datetime.date(2026, 9, 30), 1) == datetime.date(2026, 10, 8)


def test_national_day_2026_makeup_saturday_counts(db):
    # Oct 8 (Thu), Oct 9 (Fri) and the 调休 Saturday Oct 10 are working days.
    assert workdays.add_working_days(datetime.date(2026, 9, 30), 3) == datetime.date(2026, 10, 10)
    assert workdays.is_working_day(datetime.date(2026, 10, 10))


def test_makeup_sunday_before_national_day_counts(db):
    assert workdays.is_working_day(datetime.date(2026, 9, 20))


def test_working_days_between_spans_holiday(db):
    # Sep 30 → Oct 12: Oct 8, 9, 10 (调休), 12 are working days.
    assert workdays.working_days_between(datetime.date(2026, 9, 30), datetime.date(2026, 10, 12)) == 4


def test_working_days_between_same_day_is_zero(db):
    assert workdays.working_days_between(datetime.date(2026, 5, 6), datetime.date(2026, 5, 6)) == 0


def test_unknown_year_falls_back_to_monday_to_friday(db):
    # 2030 is not in the package: Fri Jan 4 + 1 working day is Mon Jan 7, no exception raised.
    assert workdays.add_working_days(datetime.date(2030, 1, 4), 1) == datetime.date(2030, 1, 7)
    assert workdays.unknown_years(datetime.date(2030, 1, 7)) == [2030]


def test_unknown_year_logs_warning(db, caplog):
    workdays.add_working_days(datetime.date(2030, 3, 1), 2)
    assert "No official calendar for 2030" in caplog.text


def test_year_entered_by_admin_is_used(db):
    CalendarYear.objects.create(year=2030, source=CalendarYear.Source.MANUAL)
    CalendarDay.objects.create(date=datetime.date(2030, 1, 7), is_working_day=False, name="测试假日")
    assert workdays.add_working_days(datetime.date(2030, 1, 4), 1) == datetime.date(2030, 1, 8)
    assert workdays.unknown_years(datetime.date(2030, 1, 8)) == []


def test_sync_from_package_is_idempotent_and_keeps_manual_years(db):
    CalendarYear.objects.update_or_create(year=2026, defaults={"source": CalendarYear.Source.MANUAL})
    CalendarDay.objects.filter(date=datetime.date(2026, 10, 8)).delete()
    CalendarDay.objects.create(date=datetime.date(2026, 10, 8), is_working_day=False, name="手工")
    before = CalendarDay.objects.count()
    workdays.sync_from_package()
    workdays.sync_from_package()
    assert CalendarDay.objects.count() == before
    assert not workdays.is_working_day(datetime.date(2026, 10, 8))


def test_no_warning_when_counted_days_stay_in_known_year(db, caplog):
    workdays.add_working_days(datetime.date(2026, 11, 24), 5)
    assert "No official calendar" not in caplog.text


def test_sync_from_package_leaves_unchanged_years_alone(db):
    ids_before = set(CalendarDay.objects.filter(date__year=2026).values_list("pk", flat=True))
    assert workdays.sync_from_package() == []
    assert set(CalendarDay.objects.filter(date__year=2026).values_list("pk", flat=True)) == ids_before


def test_sync_from_package_restores_a_changed_year_and_says_so(db):
    CalendarDay.objects.filter(date=datetime.date(2026, 10, 8)).delete()
    CalendarDay.objects.create(date=datetime.date(2026, 10, 8), is_working_day=False, name="误改")
    assert workdays.sync_from_package() == [2026]
    assert workdays.is_working_day(datetime.date(2026, 10, 8))


def test_working_days_to_counts_the_days_left_across_a_holiday(db):
    # From Sep 30: Oct 8, 9, 10 (调休 Saturday) and 12 are the working days up to Oct 12.
    assert workdays.working_days_to(datetime.date(2026, 9, 30), [datetime.date(2026, 10, 12)]) == {datetime.date(2026, 10, 12): 4}


def test_working_days_to_counts_the_days_overdue_as_negative(db):
    # Due Sep 30, on Oct 12: 4 working days past it (the holiday does not count).
    assert workdays.working_days_to(datetime.date(2026, 10, 12), [datetime.date(2026, 9, 30)]) == {datetime.date(2026, 9, 30): -4}


def test_working_days_to_is_zero_on_the_day_itself_and_ignores_no_date(db):
    today = datetime.date(2026, 5, 6)
    assert workdays.working_days_to(today, [today, None]) == {today: 0}


def test_working_days_to_reads_the_calendar_once_for_any_number_of_dates(db, django_assert_num_queries):
    today = datetime.date(2026, 9, 25)
    dates = [today + datetime.timedelta(days=n) for n in range(-40, 40)]
    with django_assert_num_queries(2):
        counts = workdays.working_days_to(today, dates)
    assert counts[datetime.date(2026, 10, 8)] == workdays.working_days_between(today, datetime.date(2026, 10, 8))


# ----- one calendar read per request (issue 18) ----------------------------------------------


def test_a_request_reads_the_calendar_once_for_every_computation_near_today(db, django_assert_num_queries):
    today = datetime.date.today()
    with workdays.calendar_per_request():
        with django_assert_num_queries(2):
            workdays.add_working_days(today, 7)
            workdays.working_days_between(today - datetime.timedelta(days=30), today)
            workdays.working_days_to(today, [today + datetime.timedelta(days=40)])


def test_outside_a_request_each_computation_reads_the_calendar(db, django_assert_num_queries):
    today = datetime.date.today()
    with django_assert_num_queries(4):
        workdays.add_working_days(today, 7)
        workdays.add_working_days(today, 7)


def test_a_span_beyond_the_requests_read_is_read_on_its_own(db, django_assert_num_queries):
    today = datetime.date.today()
    with workdays.calendar_per_request():
        workdays.add_working_days(today, 1)
        with django_assert_num_queries(2):
            workdays.working_days_between(today - datetime.timedelta(days=3000), today - datetime.timedelta(days=2990))


def test_a_calendar_change_in_the_request_is_seen_by_what_it_computes_next(db):
    monday = datetime.date(2026, 11, 16)
    with workdays.calendar_per_request():
        assert workdays.add_working_days(monday, 1) == datetime.date(2026, 11, 17)
        CalendarDay.objects.create(date=datetime.date(2026, 11, 17), is_working_day=False, name="临时休假")
        workdays.calendar_changed(datetime.date(2026, 11, 17), datetime.date(2026, 11, 17))
        assert workdays.add_working_days(monday, 1) == datetime.date(2026, 11, 18)


def test_a_page_reads_the_calendar_once(client, dispatcher, assigned_ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.force_login(dispatcher)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("ticket_detail", args=[assigned_ticket.reference])).status_code == 200
    assert sum('"tickets_calendarday"' in q["sql"] for q in ctx.captured_queries) == 1
