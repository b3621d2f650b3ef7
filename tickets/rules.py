"""Who may do what, besides seeing (tickets.visibility) and the lifecycle transitions (whose
permissions, on tickets.models.ticket, call these).

Each predicate is written once here; the models' transition permissions, the services, the pages'
menus and the API all call it.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django_fsm import has_transition_perm

from tickets import visibility, workdays
from tickets.models.events import EventKind
from tickets.models.extensions import ExtensionRequest
from tickets.models.returns import ReturnRequest
from tickets.models.states import CO_WORK_STATUSES, HANDLING_STATUSES, OPEN_STATUSES, AssignmentRole, Rating, Status

if TYPE_CHECKING:
    from enterprises.models import User


def holds_ticket(user: User, ticket: Any) -> bool:
    """Is `user` staff of the department that holds the ticket now?"""
    return user.is_department and user.department_id is not None and user.department_id == ticket.department_id


def holds_assignment(user: User, assignment: Any) -> bool:
    """Is `user` staff of the assignment's department (a co-handler's part is its own)?"""
    return user.is_department and user.department_id is not None and user.department_id == assignment.department_id


def is_open_co(assignment: Any) -> bool:
    """A co assignment (协办) not ended: its department still co-handles the ticket."""
    return assignment.role == AssignmentRole.CO and assignment.ended_at is None


def co_work_open(assignment: Any) -> bool:
    """A co-handler works on its part while the ticket is not finished (the condition of the
    co-handler's transitions, tickets.models.assignment)."""
    return assignment.role == AssignmentRole.CO and assignment.ticket.status in CO_WORK_STATUSES


def open_co_assignments(ticket: Any) -> list[Any]:
    """The ticket's co assignments not ended. Reads the ticket's prefetched `assignments` where
    the page has them."""
    return [assignment for assignment in ticket.assignments.all() if is_open_co(assignment)]


def open_lead_assignment(ticket: Any) -> Any:
    """The lead assignment in force (of the department that holds the ticket), or None."""
    for assignment in ticket.assignments.all():
        if assignment.role == AssignmentRole.LEAD and assignment.ended_at is None and assignment.department_id == ticket.department_id:
            return assignment
    return None


def open_co_assignment(user: User, ticket: Any) -> Any:
    """The open co assignment of `user`'s department on `ticket`, or None."""
    return next((a for a in open_co_assignments(ticket) if holds_assignment(user, a)), None)


def may_submit(user: User) -> bool:
    """Companies, their liaison officials, and dispatch taking a hotline call."""
    return user.is_company or user.is_liaison or user.is_dispatcher


def may_submit_for(user: User, enterprise_id: int) -> bool:
    """May `user` raise a problem for this company? Its own people, and dispatch (hotline calls)."""
    return user.is_dispatcher or visibility.speaks_for(user, enterprise_id)  # is_dispatcher: administrators too


def may_comment(user: User, ticket: Any) -> bool:
    """Anyone who works on an open ticket may add a note; leadership only reads."""
    if ticket.status not in OPEN_STATUSES:
        return False
    if visibility.sees_everything(user):
        return not (user.is_leader or user.is_callback)  # both only read (a caller records calls: may_call)
    if user.is_department:
        return holds_ticket(user, ticket) or (ticket.status in CO_WORK_STATUSES and open_co_assignment(user, ticket) is not None)
    return visibility.speaks_for(user, ticket.enterprise_id)


def extension_assignment(user: User, ticket: Any) -> Any:
    """The assignment whose due date `user` may ask to move on `ticket`: the lead's, for the
    holding department while it handles the ticket; a co-handler's own, until it has given its
    feedback. None otherwise. (One pending request per assignment is the service's check.)"""
    if ticket.status not in HANDLING_STATUSES:
        return None
    if holds_ticket(user, ticket):
        return open_lead_assignment(ticket)
    co = open_co_assignment(user, ticket)
    if co is not None and co.feedback_at is None:
        return co
    return None


def may_request_extension(user: User, ticket: Any) -> bool:
    """The holding department while it handles the ticket, or a co-handler for its feedback."""
    return extension_assignment(user, ticket) is not None


def may_add_co_department(user: User, ticket: Any) -> bool:
    """Dispatch adds co-handling departments to a ticket a lead department handles."""
    return user.is_dispatcher and ticket.status in HANDLING_STATUSES


def may_end_co_assignment(user: User, assignment: Any) -> bool:
    """Dispatch releases a co-handler (until the return ruling of DESIGN.md §9 does it)."""
    return user.is_dispatcher and is_open_co(assignment)


def may_decide_extensions(user: User) -> bool:
    """Dispatch and supervision decide extension requests (and work the supervision board)."""
    return user.is_dispatcher or user.is_supervisor


def return_assignment(user: User, ticket: Any) -> Any:
    """The assignment on whose behalf `user` may ask dispatch to take a ticket back (退单审核,
    DESIGN.md §9): the lead's, for the holding department while it handles the ticket (a return);
    a co-handler's own, while it co-handles (a release). None otherwise. The window and "one
    pending request per assignment" are the service's checks, with their messages."""
    if ticket.status not in HANDLING_STATUSES:
        return None
    if holds_ticket(user, ticket):
        return open_lead_assignment(ticket)
    return open_co_assignment(user, ticket)


def may_rule_returns(user: User) -> bool:
    """Dispatch rules on return requests (and takes the return_to_dispatch transition when it upholds one)."""
    return user.is_dispatcher


def may_call(user: User) -> bool:
    """回访: dispatch, supervision and the follow-up callers record the company's answer given on
    the phone (DESIGN.md §9): a call on a resolved ticket, and the monthly verification calls."""
    return bool(user.is_authenticated and user.is_active) and (user.is_dispatcher or user.is_supervisor or user.is_callback)


def may_record_call(user: User, ticket: Any) -> bool:
    """A follow-up call is recorded on a resolved ticket (the company's answer is due)."""
    return may_call(user) and ticket.status == Status.RESOLVED


def may_view_reports(user: User) -> bool:
    """The leadership report: the roles that see everything."""
    return bool(user.is_authenticated) and visibility.sees_everything(user)


def may_print_ticket_documents(user: User) -> bool:
    """The documents officials sign and file (交办单, 督办单): the government side of a ticket they
    see (dispatch, supervision, leadership, administrators, callers and department staff), not the
    company's side (its users and liaison officials read the ticket page instead)."""
    return bool(user.is_authenticated and user.is_active) and (visibility.sees_everything(user) or user.is_department)


def may_view_bulletin(user: User) -> bool:
    """The monthly bulletin's pages: whoever sees a line of it (visibility.bulletin_departments)."""
    return visibility.bulletin_departments(user) != set()


# ----- work in the field (包联, DESIGN.md §12) --------------------------------------------------


def may_record_visit(user: User) -> bool:
    """Liaison officials record their visits (for the companies they look after: may_record_visit_for)."""
    return bool(user.is_authenticated and user.is_active and user.is_liaison)


def may_record_visit_for(user: User, enterprise_id: int) -> bool:
    """A liaison official records a visit to a company they look after, and no other."""
    return may_record_visit(user) and visibility.speaks_for(user, enterprise_id)


def may_oversee_visits(user: User) -> bool:
    """The visit list of every company and the overview of liaisons behind quota: the roles that see
    everything (supervision and leadership read them; dispatch and administrators too)."""
    return bool(user.is_authenticated and user.is_active and visibility.sees_everything(user))


def may_read_ledgers(user: User) -> bool:
    """A ledger (包联台账): a liaison official their own, the overseers anyone's (visibility.visible_liaisons)."""
    return may_record_visit(user) or may_oversee_visits(user)


# ----- signing in (README "Signing in safely") ---------------------------------------------------


def is_administrator(user: User) -> bool:
    """An administrator: a superuser, or a user of the administrator role (the audit trail's
    readers, who freezes or corrects a month's assessment)."""
    return bool(user.is_active) and (bool(user.is_superuser) or user.role == user.Role.ADMIN)


def has_second_factor(user: User) -> bool:
    """Has `user` an enrolled (confirmed) authenticator app? (django-otp's TOTP device)"""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return bool(user.is_authenticated) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def must_verify(user: User) -> bool:
    """Must `user` pass the second factor (a code from their authenticator app, or a recovery
    code) before anything but signing in? Anyone with an enrolled app; with REQUIRE_2FA_FOR_STAFF
    every role but company too (they enrol at their first login). Companies are never made to."""
    if not user.is_authenticated:
        return False
    return (settings.REQUIRE_2FA_FOR_STAFF and not user.is_company) or has_second_factor(user)


# ----- personal data (DESIGN.md §11) -----------------------------------------------------------
# A company's contact person's name, phone and e-mail, and the names of its users in a timeline,
# are shown in full only by these two predicates; every page, workbook, mailing and API answer asks
# them (through tickets.personal) and shows the masked form (138****1234, 王*) otherwise.


def sees_company_contact(user: User, enterprise_id: int | None) -> bool:
    """The company's own contact in full: the company itself, its liaison officials and dispatch."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_dispatcher or visibility.speaks_for(user, enterprise_id)  # is_dispatcher: administrators too


def sees_ticket_contact(user: User, ticket: Any, *, call_pending: bool = False) -> bool:
    """A ticket's contact in full: those of `sees_company_contact`, the departments holding the
    ticket now (the lead and the co-handlers whose part is open), and a caller (回访) while a call
    on it is due: the ticket is resolved and awaits the company's answer, or `call_pending` (a
    verification call drawn for it and not made yet). Reads the prefetched `assignments`."""
    if sees_company_contact(user, ticket.enterprise_id):
        return True
    if holds_ticket(user, ticket) or (user.is_department and open_co_assignment(user, ticket) is not None):
        return True
    return may_call(user) and (call_pending or ticket.status == Status.RESOLVED)


# ----- rating review (评价复核, DESIGN.md §9) ----------------------------------------------------


def is_rated_department(user: User, ticket: Any) -> bool:
    """Is `user` staff of the lead department the ticket's rating counts against (the one that
    holds the ticket or last held it, as the report credits it)?"""
    return user.is_department and user.department_id is not None and user.department_id == ticket.last_department_id


def latest_rating_event(ticket: Any) -> Any:
    """The confirm or reopen event that gave the ticket its latest rating, or None. Reads the
    ticket's prefetched `events` where the page has them."""
    rated = [event for event in ticket.events.all() if event.kind in (EventKind.CONFIRM, EventKind.REOPEN)]
    return max(rated, key=lambda event: (event.created_at, event.pk)) if rated else None


def rating_review_deadline(rating_event: Any) -> datetime.date:
    """The last day a review of this rating may be asked for: RATING_APPEAL_WORKING_DAYS working
    days after the day it was given."""
    return workdays.add_working_days(timezone.localdate(rating_event.created_at), settings.RATING_APPEAL_WORKING_DAYS)


def may_request_rating_review(user: User, ticket: Any, today: datetime.date | None = None) -> bool:
    """The lead department, within the window of a 不满意 that is the ticket's latest rating, while
    the ticket has no review yet (one per ticket). Reads the prefetched `rating_reviews`."""
    if not is_rated_department(user, ticket) or ticket.latest_rating != Rating.DISSATISFIED:
        return False
    if any(True for _review in ticket.rating_reviews.all()):
        return False
    event = latest_rating_event(ticket)
    return event is not None and (today or timezone.localdate()) <= rating_review_deadline(event)


def may_decide_rating_reviews(user: User) -> bool:
    """Supervision decides rating reviews (and sees the list of pending ones)."""
    return bool(user.is_authenticated) and user.is_supervisor


# The lifecycle transitions a person takes (auto_close is the system's), by method name.
LIFECYCLE_ACTIONS = ("assign", "reject", "sign", "return_to_dispatch", "resolve", "confirm", "reopen")
# A co-handling department's transitions on its own assignment (tickets.models.assignment).
CO_ACTIONS = ("co_sign", "co_feedback")


def available_actions(ticket: Any, user: User) -> set[str]:
    """Names of the actions this user may take on this ticket now; pages and the API offer only
    these, and refuse the others before reading any input."""
    actions = {name for name in LIFECYCLE_ACTIONS if has_transition_perm(getattr(ticket, name), user)}
    # return_to_dispatch is taken by dispatch only when it upholds a return request; the page's and
    # the API's "return_to_dispatch" is the department filing that request (the lead's return; a
    # co-handler's is "request_release"), offered while no request of its assignment is pending.
    actions.discard("return_to_dispatch")
    asking = return_assignment(user, ticket)
    if asking is not None and not any(
        # return_requests and assignments are prefetched on the detail page: no extra query there.
        request.state == ReturnRequest.State.PENDING and request.assignment_id == asking.pk
        for request in ticket.return_requests.all()
    ):
        actions.add("request_release" if asking.role == AssignmentRole.CO else "return_to_dispatch")
    if may_comment(user, ticket):
        actions.add("comment")
    # Red is reachable from every level below it on an open ticket: the model's rule decides.
    if has_transition_perm(ticket.raise_to_red, user):
        actions.add("supervise")
    assignment = extension_assignment(user, ticket)
    if assignment is not None and not any(
        # extension_requests and assignments are prefetched on the detail page: no extra query there.
        request.state == ExtensionRequest.State.PENDING and request.assignment_id in (None, assignment.pk)
        for request in ticket.extension_requests.all()
    ):
        actions.add("request_extension")
    if has_transition_perm(ticket.contact, user):
        actions.add("contact")
    if may_add_co_department(user, ticket):
        actions.add("add_co_department")
    if ticket.status in CO_WORK_STATUSES and any(
        may_end_co_assignment(user, assignment) for assignment in ticket.assignments.all()
    ):  # a finished ticket's co-handling is over: nothing left to release
        actions.add("end_co_assignment")
    if may_record_call(user, ticket):
        actions.add("record_call")
    if may_request_rating_review(user, ticket):
        actions.add("request_rating_review")
    co = open_co_assignment(user, ticket)
    if co is not None:
        co.ticket = ticket  # the transition's condition reads the ticket: this one, already loaded
        for name in CO_ACTIONS:
            if has_transition_perm(getattr(co, name), user):
                actions.add(name)
    return actions
