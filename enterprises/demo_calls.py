"""Follow-up calls (回访) and verification calls (回访核实) in the demo data set (DESIGN.md §9).

After enterprises.demo has played its stories, the demo login `callback` (a follow-up caller of
the city's 12345 hotline):

- records two calls on resolved tickets the companies had not answered yet: one company
  confirms (基本满意), one is not satisfied (the ticket goes back to its department under yellow
  supervision);
- works through last month's verification list, drawn at the start of this month as the beat
  task does: the first call confirmed, the second "company disagrees" (the closed ticket is
  reopened), the others still to make. The demo draws at least four calls (a higher percentage
  when last month closed few tickets), so that the list shows both.
"""

import datetime
import math

from django.conf import settings
from django.utils import timezone

from enterprises.models import User
from tickets import services
from tickets.models import Status, Ticket
from tickets.services.calls import previous_month, sample_size, verification_candidates

CALLER_USERNAME = "callback"
CONFIRM_SAID = "企业负责人电话答复：问题已经解决，对办理结果基本满意，希望以后审批再快一些。"
REOPEN_SAID = "企业负责人电话答复：部门只回复了政策规定，实际问题没有解决，不满意，要求重新办理。"
VERIFY_CONFIRM_SAID = "电话核实：企业财务负责人确认问题已解决，网上评价属实。"
VERIFY_DISAGREE_SAID = "电话核实：企业表示当时是为了结案才点了确认，问题至今没有解决，不认可销号。"
MIN_CALLS = 4


def add_calls(builder):
    """Run the demo's calls through the services (builder: enterprises.demo._Builder)."""
    caller = builder.user(CALLER_USERNAME, User.Role.CALLBACK, "市12345热线 回访员孙", phone=builder.mobile())
    _follow_up_calls(builder, caller)
    _verification_list(builder, caller)
    return caller


def _after_last_event(ticket, builder, minutes=20):
    last = ticket.events.order_by("-created_at").values_list("created_at", flat=True).first()
    return min(last + datetime.timedelta(minutes=minutes), builder.now - datetime.timedelta(minutes=1))


def _follow_up_calls(builder, caller):
    resolved = list(Ticket.objects.filter(status=Status.RESOLVED).order_by("resolved_at", "pk"))
    if len(resolved) < 3:  # keep resolved tickets for the companies to answer
        return
    first, second = resolved[0], resolved[1]
    services.ticket_record_call(
        ticket=first, by=caller, said=CONFIRM_SAID, decision="confirm", rating="basically_satisfied", at=_after_last_event(first, builder)
    )
    services.ticket_record_call(ticket=second, by=caller, said=REOPEN_SAID, decision="reopen", at=_after_last_event(second, builder))


def _verification_list(builder, caller):
    month = previous_month(builder.today)
    this_month = timezone.make_aware(datetime.datetime.combine(builder.today.replace(day=1), datetime.time(0, 5)), builder.tz)
    drawn_at = max(this_month, min(this_month + datetime.timedelta(hours=7, minutes=25), builder.now - datetime.timedelta(minutes=30)))
    candidates = verification_candidates(month).count()
    percent = settings.VERIFICATION_SAMPLE_PERCENT
    if candidates and sample_size(candidates, percent) < MIN_CALLS:
        percent = min(100, math.ceil(100 * MIN_CALLS / candidates))
    calls = sorted(services.verification_draw(month=month, percent=percent, at=drawn_at), key=lambda call: call.ticket_id)
    answers = [(True, VERIFY_CONFIRM_SAID), (False, VERIFY_DISAGREE_SAID)] if len(calls) > 2 else []
    for index, (confirmed, said) in enumerate(answers):
        at = min(drawn_at + datetime.timedelta(hours=1, minutes=10 * index), builder.now - datetime.timedelta(minutes=5 - index))
        services.verification_record(call=calls[index], by=caller, confirmed=confirmed, said=said, at=at)
