"""Return requests (退单审核, DESIGN.md §9) in the demo data set.

Every return in enterprises.demo's stories (the "returned" scenarios) is a request the wrong
department files, suggesting the category's department, that dispatch upholds (`do_return`).
This module adds, through the same services, after everything else of their tickets and within
the return window (RETURN_WINDOW_WORKING_DAYS of the assignment):

- an **overruled** return: the lead department of a ticket it handles asks to return it; dispatch
  overrules it with a reason, and the ticket stays, its due date unchanged;
- a **pending** return: a department asks to return a ticket assigned to it; no ruling yet, so
  dispatch sees it at the top of its queue (and a count in the menu);
- a co-handler's **release** request: a co-handling department asks to be released; dispatch
  overrules it (its part and its due date stand).

The tickets are the first (in submission order) whose assignment is recent enough for a request
after their last event: the demo's dates move with today, so the choice is made when it is built.
"""

import datetime

from django.utils import timezone

from tickets import services
from tickets.models import HANDLING_STATUSES, AssignmentRole

OVERRULED_REASON = "经核实，该诉求涉及的事项主要由其他部门主管，建议改由相关部门牵头办理。"
OVERRULED_RULING = "经研究，该事项属于贵单位职责范围，请继续办理并按期反馈。"
PENDING_REASON = "诉求所涉事项由%(dept)s主管，不在我单位职责范围，建议改派%(dept)s。"
RELEASE_REASON = "该诉求不涉及我单位审批或监管事项，申请退出协办。"
RELEASE_RULING = "诉求涉及贵单位职责内的配套事项，请按期提供协办意见。"


def add_examples(builder):
    """Add the examples above to the tickets `builder` (enterprises.demo._Builder) has played."""
    dispatcher, used = builder.dispatcher, set()

    lead, at = _candidate(builder, AssignmentRole.LEAD, used)
    asked = services.return_request_file(ticket=lead.ticket, by=builder.dept_users[lead.department_id], reason=OVERRULED_REASON, at=at)
    services.return_request_decide(request=asked, by=dispatcher, uphold=False, reason=OVERRULED_RULING, at=_later(at, 35))

    lead, at = _candidate(builder, AssignmentRole.LEAD, used)
    suggested = builder.departments["gxj" if lead.department != builder.departments["gxj"] else "fgw"]
    services.return_request_file(
        ticket=lead.ticket, by=builder.dept_users[lead.department_id], reason=PENDING_REASON % {"dept": suggested.name},
        suggested_department=suggested, at=at,
    )  # fmt: skip

    co, at = _candidate(builder, AssignmentRole.CO, used)
    asked = services.return_request_file(ticket=co.ticket, by=builder.dept_users[co.department_id], reason=RELEASE_REASON, at=at)
    services.return_request_decide(request=asked, by=dispatcher, uphold=False, reason=RELEASE_RULING, at=_later(at, 40))


def _later(moment, minutes):
    return moment + datetime.timedelta(minutes=minutes)


def _candidate(builder, role, used):
    """(an open assignment of `role`, the moment to ask) on a ticket a department handles, not in
    `used`: the ticket's last event is recent enough that asking 15 minutes later is within the
    assignment's return window, and the ruling an hour later is still in the past."""
    for key, ticket in builder.tickets.items():
        if key in used:
            continue
        ticket.refresh_from_db()
        if ticket.status not in HANDLING_STATUSES:
            continue
        assignment = ticket.assignments.filter(role=role, ended_at__isnull=True).order_by("assigned_at", "id").first()
        if assignment is None:
            continue
        at = _later(ticket.events.order_by("-created_at", "-id").first().created_at, 15)
        if timezone.localdate(at) <= services.return_window_end(assignment) and _later(at, 60) < builder.now:
            used.add(key)
            assignment.ticket = ticket
            return assignment, at
    raise AssertionError(f"the demo has no {role} assignment recent enough to ask a return for")
