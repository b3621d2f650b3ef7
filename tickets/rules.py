"""Who may do what, besides seeing (tickets.visibility) and the lifecycle transitions (whose
permissions, on tickets.models.ticket, call these).

Each predicate is written once here; the models' transition permissions, the services, the pages'
menus and the API all call it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_fsm import has_transition_perm

from tickets import visibility
from tickets.models.extensions import ExtensionRequest
from tickets.models.states import HANDLING_STATUSES, OPEN_STATUSES

if TYPE_CHECKING:
    from enterprises.models import User


def holds_ticket(user: User, ticket: Any) -> bool:
    """Is `user` staff of the department that holds the ticket now?"""
    return user.is_department and user.department_id is not None and user.department_id == ticket.department_id


def may_submit(user: User) -> bool:
    """Companies, their liaison officials, and dispatch taking a hotline call."""
    return user.is_company or user.is_liaison or user.is_dispatcher


def may_submit_for(user: User, enterprise_id: int) -> bool:
    """May `user` raise a problem for this company? Its own people, and dispatch (hotline calls)."""
    return user.is_dispatcher or visibility.speaks_for(user, enterprise_id)


def may_comment(user: User, ticket: Any) -> bool:
    """Anyone who works on an open ticket may add a note; leadership only reads."""
    if ticket.status not in OPEN_STATUSES:
        return False
    if visibility.sees_everything(user):
        return not user.is_leader
    if user.is_department:
        return holds_ticket(user, ticket)
    return visibility.speaks_for(user, ticket.enterprise_id)


def may_request_extension(user: User, ticket: Any) -> bool:
    """The holding department, while it handles the ticket (one pending request at a time is
    the service's check)."""
    return holds_ticket(user, ticket) and ticket.status in HANDLING_STATUSES


def may_decide_extensions(user: User) -> bool:
    """Dispatch and supervision decide extension requests (and work the supervision board)."""
    return user.is_dispatcher or user.is_supervisor


def may_view_reports(user: User) -> bool:
    """The leadership report: the roles that see everything."""
    return bool(user.is_authenticated) and visibility.sees_everything(user)


# The lifecycle transitions a person takes (auto_close is the system's), by method name.
LIFECYCLE_ACTIONS = ("assign", "reject", "sign", "return_to_dispatch", "resolve", "confirm", "reopen")


def available_actions(ticket: Any, user: User) -> set[str]:
    """Names of the actions this user may take on this ticket now; pages and the API offer only
    these, and refuse the others before reading any input."""
    actions = {name for name in LIFECYCLE_ACTIONS if has_transition_perm(getattr(ticket, name), user)}
    if may_comment(user, ticket):
        actions.add("comment")
    # Red is reachable from every level below it on an open ticket: the model's rule decides.
    if has_transition_perm(ticket.raise_to_red, user):
        actions.add("supervise")
    if may_request_extension(user, ticket) and not any(
        # extension_requests is prefetched on the detail page: no extra query there.
        request.state == ExtensionRequest.State.PENDING for request in ticket.extension_requests.all()
    ):
        actions.add("request_extension")
    return actions
