"""The monthly assessment (考核, DESIGN.md §10) in the demo data set, so that a newcomer sees the
ranking, the bulletins and the public page at once.

After every ticket of enterprises.demo is played, through tickets.services.assessment:

- three **groups** (GROUPS) holding the demo's thirteen departments: the city's economic bureaus,
  its approval and regulation bureaus, and the power utility;
- a first **scheme version** valid from the first of the month before the demo's first ticket
  (FIRST_SCHEME), and a second one from the second of the frozen months (SECOND_SCHEME: more
  weight on satisfaction, a dearer reopening, an honour list of two), so that the months are
  scored with different versions;
- the last three whole months before the demo's today **frozen** by the system (`by` None), each
  on the first working day of the following month at 08:00, as the beat would (or now, if that
  moment has not come yet), the figures replayed as they were then;
- the oldest of them **corrected** once by the administrator, five working days after it was
  frozen, with its reason: the two editions stay readable.

Freezing and correcting tell leadership, supervision and every department's staff that the
bulletin is out (Notification.Kind.BULLETIN) at those moments: enterprises.demo.build() then marks
read the notifications older than its last few days, as people would have read them.
"""

import datetime

from django.utils import timezone

from tickets.models import AssessmentGroup, AssessmentScheme, Ticket
from tickets.selectors.assessment import month_start
from tickets.services.assessment import assessment_correct_month, assessment_freeze_month, assessment_scheme_create

from .models import User

# name, the departments in it (enterprises.demo.DEPARTMENTS' short codes)
GROUPS = [
    ("市直经济部门", ["fgw", "gxj", "czj", "swj", "kjj", "jrj"]),
    ("市直审批服务与监管部门", ["rsj", "zrzyj", "xzspj", "zjj", "scjgj", "sthjj"]),
    ("公用事业单位", ["gdgs"]),
]
# fmt: off
FIRST_SCHEME = {
    "weights": {
        "response_rate": 15, "contact_rate": 10, "on_time_rate": 25, "solved_rate": 20, "satisfaction_rate": 20, "co_feedback_rate": 10,
    },
    "deductions": {"overruled_returns": 1, "reopened": 1, "yellow": 2, "red": 5},
    "honour_list_size": 1,
    "red_list_size": 1,
}
SECOND_SCHEME = {
    "weights": {
        "response_rate": 10, "contact_rate": 10, "on_time_rate": 25, "solved_rate": 20, "satisfaction_rate": 25, "co_feedback_rate": 10,
    },
    "deductions": {"overruled_returns": 1, "reopened": 2, "yellow": 2, "red": 5},
    "honour_list_size": 2,
    "red_list_size": 1,
}
# fmt: on
FROZEN_MONTHS = 3
CORRECTION_REASON = "经复核，本月部分诉求在冻结后完成了办结确认和满意度评价，按复核后的数据重新计算各部门得分和排名，特发布更正版。"
FREEZE_TIME = datetime.time(8, 0)  # the beat's hour (tickets.jobs.schedule)


def _months_back(month, n):
    for _ in range(n):
        month = month_start(month - datetime.timedelta(days=1))
    return month


def add_assessment(builder):
    """The groups, two scheme versions, three frozen months and a correction, on the history
    `builder` (enterprises.demo._Builder) has played."""
    groups = [AssessmentGroup.objects.create(name=name, sort_order=order) for order, (name, _members) in enumerate(GROUPS, 1)]
    memberships = [(builder.departments[short], group) for group, (_name, members) in zip(groups, GROUPS, strict=True) for short in members]
    this_month = month_start(builder.today)
    months = [_months_back(this_month, n) for n in range(FROZEN_MONTHS, 0, -1)]  # oldest first
    first_ticket = timezone.localdate(Ticket.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first() or builder.now)
    first = assessment_scheme_create(
        valid_from=_months_back(month_start(first_ticket), 1), by=None, memberships=memberships, **FIRST_SCHEME
    )
    second = assessment_scheme_create(valid_from=months[1], by=None, based_on=first, **SECOND_SCHEME)
    for scheme in (first, second):  # drawn up a few weeks before they came into force
        created = _moment(builder, scheme.valid_from - datetime.timedelta(days=20), datetime.time(10, 0))
        AssessmentScheme.objects.filter(pk=scheme.pk).update(created_at=created)

    admin = User.objects.get(username="admin")
    for month in months:
        frozen_at = _moment(builder, _first_working_day(builder, _months_ahead(month)), FREEZE_TIME)
        assessment_freeze_month(month=month, by=None, at=frozen_at)
        if month == months[0]:
            corrected_at = _moment(builder, builder.shift(timezone.localdate(frozen_at), 5), datetime.time(16, 30))
            assessment_correct_month(month=month, by=admin, reason=CORRECTION_REASON, at=corrected_at)


def _months_ahead(month):
    return month_start(month + datetime.timedelta(days=32))


def _first_working_day(builder, month):
    day = month
    while not builder.calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def _moment(builder, day, time):
    """`day` at `time` (Asia/Shanghai), or now if that is still to come (nothing happens later)."""
    at = timezone.make_aware(datetime.datetime.combine(day, time), builder.tz)
    return min(at, builder.now)
