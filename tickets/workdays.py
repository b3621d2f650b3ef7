"""Working days on China's official calendar (holidays and 调休 make-up days).

The calendar lives in the database (CalendarYear + CalendarDay), seeded from the
`chinese-calendar` package by `manage.py sync_work_calendar` (run by migrate), so an
administrator can add a year the package does not know yet. A year with no calendar falls back
to Monday–Friday and logs a warning; `unknown_years()` lets pages show that warning.
"""

import contextlib
import contextvars
import datetime
import logging
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from tickets.models.calendar import CalendarDay, CalendarYear

logger = logging.getLogger(__name__)

# How far past the start a search for N working days may need to look: the longest official
# holiday is 8–9 days, so 2 weeks per 5 working days plus a margin is always enough.
_SEARCH_DAYS_PER_WORKING_DAY = 3
_SEARCH_MARGIN_DAYS = 30


# Within one request (calendar_per_request(), tickets.web.middleware) the calendar is read once:
# a span around today wide enough for every date a page computes, which later reads of the same
# request reuse. A ticket page computes five spans (its days left, the action panels' default and
# latest dates): two queries instead of ten. Outside a request (tasks, commands) each read goes
# to the database, as does a span the request's read does not cover.
_REQUEST_SPAN_DAYS = 400
_request_read: contextvars.ContextVar[dict | None] = contextvars.ContextVar("workdays_request_read", default=None)


@contextlib.contextmanager
def calendar_per_request() -> Iterator[None]:
    """Read the calendar at most once (for a span around today) while this block runs."""
    token = _request_read.set({})
    try:
        yield
    finally:
        _request_read.reset(token)


def _read(start: datetime.date, end: datetime.date) -> tuple[dict[datetime.date, bool], set[int]]:
    """The calendar's exceptions and known years for [start, end]: from the request's read when it
    covers them; the request's first read takes the wide span around today."""
    memo = _request_read.get()
    span = memo.get("span") if memo is not None else None
    if span is not None and span[0] <= start and end <= span[1]:
        return span[2], span[3]
    if memo is not None and span is None:  # the request's first read
        today = timezone.localdate()
        start = min(start, today - datetime.timedelta(days=_REQUEST_SPAN_DAYS))
        end = max(end, today + datetime.timedelta(days=_REQUEST_SPAN_DAYS))
    exceptions = dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_working_day"))
    known_years = set(CalendarYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True))
    if memo is not None and span is None:
        memo["span"] = (start, end, exceptions, known_years)
    return exceptions, known_years


class Calendar:
    """Working-day facts for a span of dates, loaded in two queries (or taken from the request's read)."""

    def __init__(self, start: datetime.date, end: datetime.date) -> None:
        self.start, self.end = start, end
        self.exceptions, self.known_years = _read(start, end)
        self.fallback_years: set[int] = set()

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        if day.year not in self.known_years and day.year not in self.fallback_years:
            # Warn only for a year actually counted, once per calculation.
            self.fallback_years.add(day.year)
            logger.warning("No official calendar for %s: counting Monday-Friday as working days", day.year)
        return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date `days` working days after `start` (start itself never counts).

    add_working_days(Wed, 1) is Thu; 0 days is `start` itself.
    """
    if days <= 0:
        return start
    calendar = Calendar(start, start + datetime.timedelta(days=days * _SEARCH_DAYS_PER_WORKING_DAY + _SEARCH_MARGIN_DAYS))
    day, counted = start, 0
    while counted < days:
        day += datetime.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days d with start < d <= end (0 when end <= start)."""
    if end <= start:
        return 0
    calendar = Calendar(start, end)
    return sum(1 for offset in range(1, (end - start).days + 1) if calendar.is_working_day(start + datetime.timedelta(days=offset)))


def working_days_to(today: datetime.date, dates: Iterable[datetime.date | None]) -> dict[datetime.date, int]:
    """For each of `dates`, the working days from `today` to it: positive, the working days d with
    today < d <= date still left; negative, minus the working days d with date < d <= today it is
    past; 0 on the day itself. One calendar read (two queries) for all of them, whatever their
    number: what the lists show as "剩 N 个工作日" / "超期 N 个工作日"."""
    wanted = {d for d in dates if d is not None}
    if not wanted:
        return {}
    first, last = min(min(wanted), today), max(max(wanted), today)
    calendar = Calendar(first, last)
    # Working days in (first, d] for every d of the span, read once.
    counted, running = {first: 0}, 0
    day = first
    while day < last:
        day += datetime.timedelta(days=1)
        running += calendar.is_working_day(day)
        counted[day] = running
    return {d: counted[d] - counted[today] for d in wanted}


def is_working_day(day: datetime.date) -> bool:
    return Calendar(day, day).is_working_day(day)


def unknown_years(*dates: datetime.date | None) -> list[int]:
    """Years among `dates` with no official calendar stored (pages warn about these)."""
    years = {d.year for d in dates if d}
    known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    return sorted(years - known)


def sync_from_package() -> list[int]:
    """Store every year the chinese-calendar package knows. Idempotent: a year whose stored days
    already match is left as it is, and so is a year an administrator entered by hand. Returns
    the years whose days changed."""
    import chinese_calendar
    from chinese_calendar import constants

    package_days = {}
    for day, name in constants.holidays.items():
        if day.weekday() < 5:
            package_days[day] = (False, _holiday_name(name))
    for day, name in constants.workdays.items():
        if day.weekday() >= 5:
            package_days[day] = (True, _holiday_name(name))
    years = sorted({d.year for d in package_days})
    manual = set(CalendarYear.objects.filter(source=CalendarYear.Source.MANUAL).values_list("year", flat=True))
    years = [y for y in years if y not in manual]
    stored = {
        day: (working, name)
        for day, working, name in CalendarDay.objects.filter(date__year__in=years).values_list("date", "is_working_day", "name")
    }
    known = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))

    def days_of(days: dict[datetime.date, tuple[bool, str]], year: int) -> dict[datetime.date, tuple[bool, str]]:
        return {day: value for day, value in days.items() if day.year == year}

    changed = [y for y in years if y not in known or days_of(stored, y) != days_of(package_days, y)]
    with transaction.atomic():
        CalendarDay.objects.filter(date__year__in=changed).delete()
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(date=day, is_working_day=working, name=name)
                for day, (working, name) in sorted(package_days.items())
                if day.year in changed
            ]
        )
        for year in changed:
            CalendarYear.objects.update_or_create(year=year, defaults={"source": CalendarYear.Source.PACKAGE})
        if changed:
            calendar_changed(datetime.date(min(changed), 1, 1), datetime.date(max(changed), 12, 31))
    logger.info(
        "Working calendar: %s years from chinese-calendar %s, %s changed",
        len(years),
        getattr(chinese_calendar, "__version__", "?"),
        len(changed),
    )
    return changed


# Sent, inside the transaction that changed it, when the working calendar of the dates
# [first, last] changed (an administrator edited a day, a year arrived from the package). What is
# stored in working days listens (tickets.reports.facts recounts the tickets' handling time), so
# that this low-level module imports nothing above it.
calendar_changed_signal = Signal()


def calendar_changed(first: datetime.date, last: datetime.date) -> None:
    """Tell the listeners that the calendar of the dates [first, last] changed; they recount
    what they store in working days, in the caller's transaction. The request's read is
    forgotten: what it computes next reads the calendar as it is now."""
    memo = _request_read.get()
    if memo is not None:
        memo.clear()
    calendar_changed_signal.send(sender=CalendarDay, first=first, last=last)


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(holiday: object) -> str:
    english = getattr(holiday, "value", None) or str(holiday)
    if isinstance(english, (tuple, list)):
        english = english[0]
    return _HOLIDAY_NAMES.get(english, english)[:50]


def latest_date_with_working_days_until(today: datetime.date, days: int) -> datetime.date:
    """The latest date D with at least `days` working days in (D, today].

    A ticket due on D is overdue by `days` working days on `today` exactly when D is on or
    before this date (used by the sweep for "long overdue" and "no answer for N working days").
    """
    calendar = Calendar(today - datetime.timedelta(days=days * _SEARCH_DAYS_PER_WORKING_DAY + _SEARCH_MARGIN_DAYS), today)
    day, counted = today, 0
    while True:
        if calendar.is_working_day(day):
            counted += 1
            if counted >= days:
                return day - datetime.timedelta(days=1)
        day -= datetime.timedelta(days=1)
