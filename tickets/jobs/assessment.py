"""The monthly freeze of the assessment (考核, DESIGN.md §10), run daily at 08:00 by beat: last
month is frozen on the first working day of the month, or on the first run after it (a missed
run is caught up the next day); a month frozen already is left as it is."""

import datetime

from django.utils import timezone

from tickets import workdays
from tickets.selectors.assessment import frozen_month, month_start
from tickets.services.assessment import assessment_freeze_month
from tickets.services.base import ActionRefused


def first_working_day(month):
    """The first working day of `month` (tickets.workdays: holidays and make-up days counted)."""
    day = month_start(month)
    while not workdays.is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def freeze_last_month(today=None):
    """Freeze the month before today's if it is not frozen and today is on or after this month's
    first working day: {"month": "YYYY-MM", "done": what happened}."""
    today = today or timezone.localdate()
    month = month_start(month_start(today) - datetime.timedelta(days=1))
    label = f"{month:%Y-%m}"
    if frozen_month(month) is not None:
        return {"month": label, "done": "already frozen"}
    if today < first_working_day(today):
        return {"month": label, "done": f"waits for the first working day, {first_working_day(today):%Y-%m-%d}"}
    try:
        result = assessment_freeze_month(month=month, by=None)
    except ActionRefused as refused:
        return {"month": label, "done": f"refused: {refused.message}"}
    return {"month": label, "done": "frozen" if result.frozen else "already frozen", "edition": result.edition, "rows": result.rows}
