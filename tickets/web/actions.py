"""The actions a ticket page offers: for each, its form, how it appears, and the service it calls.

One table drives both the detail page (which panels to show, in which order) and the POST
handler (which form validates the input and which service acts), so adding an action is one entry.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tickets import services
from tickets.web import forms


@dataclass(frozen=True)
class TicketAction:
    name: str
    summary: str  # the panel's title
    button: str
    style: str  # "primary" for the usual next step, "danger" for a step back, "" otherwise
    make_form: Callable | None  # (data, files, ticket, user) -> form; None: a bare button
    run: Callable  # (ticket, user, cleaned_data) -> None
    done: str
    multipart: bool = False
    open_by_default: bool = False


def _form(form_class, *, needs_ticket=False, needs_user=False):
    def make(data, files, ticket, user, initial=None):
        kwargs = {"initial": initial}
        if needs_ticket:
            kwargs["ticket"] = ticket
        if needs_user:
            kwargs["user"] = user
        return form_class(data, files, **kwargs)

    return make


ACTIONS = [
    TicketAction(
        "sign", _("Sign for this ticket"), _("Sign for this ticket"), "primary", None,
        lambda t, u, d: services.ticket_sign(ticket=t, by=u),
        _("Signed for. The ticket is now in progress."),
    ),
    TicketAction(
        "assign", _("Assign to a department"), _("Assign"), "primary", _form(forms.AssignForm),
        lambda t, u, d: services.ticket_assign(ticket=t, by=u, department=d["department"], due_date=d["due_date"], note=d["note"]),
        _("Assigned to the department."), open_by_default=True,
    ),
    TicketAction(
        "reject", _("Do not accept (out of scope or duplicate)"), _("Do not accept"), "danger",
        _form(forms.RejectForm, needs_user=True),
        lambda t, u, d: services.ticket_reject(ticket=t, by=u, reason=d["reason"], duplicate_of=d["duplicate_of"]),
        _("The ticket was not accepted; the company will see your reason."),
    ),
    TicketAction(
        "resolve", _("Report as resolved"), _("Report as resolved"), "primary", _form(forms.ResolveForm),
        lambda t, u, d: services.ticket_resolve(ticket=t, by=u, result=d["result"], files=d["files"]),
        _("Reported as resolved. The company will now confirm the result."), multipart=True, open_by_default=True,
    ),
    TicketAction(
        "confirm", _("Confirm the result and close"), _("Confirm and close"), "primary", _form(forms.ConfirmForm),
        lambda t, u, d: services.ticket_confirm(ticket=t, by=u, rating=d["rating"], comment=d["comment"]),
        _("Thank you. The ticket is closed."), open_by_default=True,
    ),
    TicketAction(
        "reopen", _("Not satisfied: send it back"), _("Send back to the department"), "danger", _form(forms.ReopenForm),
        lambda t, u, d: services.ticket_reopen(ticket=t, by=u, comment=d["comment"]),
        _("The ticket was sent back to the department under supervision."),
    ),
    TicketAction(
        "request_extension", _("Ask for more time"), _("Request extension"), "",
        _form(forms.ExtensionRequestForm),
        lambda t, u, d: services.extension_request(ticket=t, by=u, requested_due_date=d["requested_due_date"], reason=d["reason"]),
        _("Extension requested. The dispatch office will decide."),
    ),
    TicketAction(
        "return_to_dispatch", _("Not our responsibility: return to dispatch"), _("Return to dispatch"), "danger",
        _form(forms.ReasonForm),
        lambda t, u, d: services.ticket_return(ticket=t, by=u, reason=d["reason"]),
        _("Returned to the dispatch office."),
    ),
    TicketAction(
        "supervise", _("Raise supervision"), _("Raise supervision"), "danger", _form(forms.SuperviseForm, needs_ticket=True),
        lambda t, u, d: services.ticket_raise_supervision(ticket=t, by=u, level=d["level"], notice=d["notice"]),
        _("Supervision raised; the department has been given the notice."),
    ),
    TicketAction(
        "comment", _("Add a progress note or file"), _("Add note"), "", _form(forms.CommentForm),
        lambda t, u, d: services.ticket_comment(ticket=t, by=u, text=d["text"], files=d["files"]),
        _("Note added."), multipart=True,
    ),
]

BY_NAME = {action.name: action for action in ACTIONS}


def unbound_form(action, ticket, user, initial=None):
    if action.make_form is None:
        return None
    return action.make_form(None, None, ticket, user, initial=initial)


def bound_form(action, request, ticket):
    if action.make_form is None:
        return None
    return action.make_form(request.POST, request.FILES, ticket, request.user)
