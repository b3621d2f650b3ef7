"""The periods a report is asked for, and the rules they follow: this month, this quarter or this
year, each from its first day up to today, or a custom period of two dates (both given, the start
not after the end, at most five years). The dashboard's form and, through it, the API ask here;
report() itself checks only the order of the two dates.

A period that breaks a rule raises PeriodError, whose text is the message for the person who
asked, in the language active when it is raised.
"""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PERIODS = {
    "month": gettext_lazy("This month"),
    "quarter": gettext_lazy("This quarter"),
    "year": gettext_lazy("This year"),
    "custom": gettext_lazy("Custom"),
}
DEFAULT_PERIOD = "year"
# At most five years (of 366 days: any five calendar years fit).
MAX_DAYS = 366 * 5


class PeriodError(ValueError):
    """A period that cannot be reported on; str() is the message for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def chosen_period(*, period: str | None, start: datetime.date | None, end: datetime.date | None) -> str:
    """The period asked for; without one, custom when a date is given, else this year."""
    if period:
        return period
    return "custom" if start or end else DEFAULT_PERIOD


def require_ordered(*, start: datetime.date, end: datetime.date) -> None:
    """Refuse a period whose start is after its end."""
    if start > end:
        raise PeriodError(_("The period's start is after its end."))


def period_bounds(
    *, period: str | None, start: datetime.date | None = None, end: datetime.date | None = None, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    """The first and last day (both included) of `period` as asked on `today`: month, quarter and
    year from their first day up to `today` (the dates given are ignored); custom the two dates
    given. No period: see chosen_period(). Raises PeriodError."""
    period = chosen_period(period=period, start=start, end=end)
    if period == "month":
        return today.replace(day=1), today
    if period == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
    if period == "year":
        return today.replace(month=1, day=1), today
    if period != "custom":
        raise PeriodError(_("There is no period “%(period)s”.") % {"period": period})
    if start is None or end is None:
        raise PeriodError(_("Choose both dates of a custom period."))
    require_ordered(start=start, end=end)
    if (end - start).days > MAX_DAYS:
        raise PeriodError(_("Choose a period of at most five years."))
    return start, end
