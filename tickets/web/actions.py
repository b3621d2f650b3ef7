"""The actions a ticket page offers: for each, its form, how it appears, and the service it calls.

One table drives both the detail page (which panels to show, in which order) and the POST
handler (which form validates the input and which service acts), so adding an action is one entry.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tickets import services
from tickets.web import call_forms, forms, request_forms


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
    # A service refusal (its code) that is about one field of the form: shown next to that field.
    refusal_fields: tuple[tuple[str, str], ...] = ()
    # (ticket, user) -> the service's refusal (ActionRefused) or None: why the action is not
    # offered, said when it is asked for anyway (a page left open, the API).
    why_not: Callable | None = None

    def refusal_field(self, code):
        return dict(self.refusal_fields).get(code)


def _form(form_class, *, needs_ticket=False, needs_user=False):
    def make(data, files, ticket, user, initial=None):
        kwargs = {"initial": initial}
        if needs_ticket:
            kwargs["ticket"] = ticket
        if needs_user:
            kwargs["user"] = user
        return form_class(data, files, **kwargs)

    return make


def _assign(ticket, user, data):
    kept = data.get("keep_co")  # None: the field was not given (or not offered): every co-handler stays
    return services.ticket_assign(
        ticket=ticket, by=user, department=data["department"], co_departments=list(data["co_departments"]),
        is_complex=data["is_complex"], keep_co=None if kept is None else [department.pk for department in kept],
        due_date=data["due_date"], note=data["note"],
    )  # fmt: skip


ACTIONS = [
    TicketAction(
        "sign",
        _("Sign for this ticket"),
        _("Sign for this ticket"),
        "primary",
        None,
        lambda t, u, d: services.ticket_sign(ticket=t, by=u),
        _("Signed for. The ticket is now in progress."),
    ),
    TicketAction(
        "co_sign",
        _("Sign for your co-handling part"),
        _("Sign for our part"),
        "primary",
        None,
        lambda t, u, d: services.assignment_co_sign(ticket=t, by=u),
        _("Signed for. Give your feedback to the lead department by its due date."),
    ),
    TicketAction(
        "assign",
        _("Assign to a department"),
        _("Assign"),
        "primary",
        _form(forms.AssignForm, needs_ticket=True),
        _assign,
        _("Assigned to the department."),
        open_by_default=True,
    ),
    TicketAction(
        "reject",
        _("Do not accept (out of scope or duplicate)"),
        _("Do not accept"),
        "danger",
        _form(forms.RejectForm, needs_user=True),
        lambda t, u, d: services.ticket_reject(ticket=t, by=u, reason=d["reason"], duplicate_of=d["duplicate_of"]),
        _("The ticket was not accepted; the company will see your reason."),
    ),
    TicketAction(
        "contact",
        _("Record a contact with the company"),
        _("Record contact"),
        "",
        _form(forms.ContactForm),
        lambda t, u, d: services.ticket_contact(ticket=t, by=u, method=d["method"], note=d["note"]),
        _("Contact recorded. The company sees it on the timeline."),
    ),
    TicketAction(
        "resolve",
        _("Report as resolved"),
        _("Report as resolved"),
        "primary",
        _form(forms.ResolveForm, needs_ticket=True),
        lambda t, u, d: services.ticket_resolve(
            ticket=t,
            by=u,
            result=d["result"],
            files=d["files"],
            override_reason=d.get("override_reason", ""),
            outcome=d["outcome"],
            condition=d.get("outcome_condition", ""),
            review_date=d.get("outcome_review_date"),
        ),
        _("Reported as resolved. The company will now confirm the result."),
        multipart=True,
        open_by_default=True,
        refusal_fields=(("co_feedback_missing", "override_reason"),),
    ),
    TicketAction(
        "co_feedback",
        _("Give your department's feedback"),
        _("Send feedback"),
        "primary",
        _form(forms.CoFeedbackForm),
        lambda t, u, d: services.assignment_co_feedback(ticket=t, by=u, text=d["text"], files=d["files"]),
        _("Feedback sent to the lead department."),
        multipart=True,
        open_by_default=True,
    ),
    TicketAction(
        "confirm",
        _("Confirm the result and close"),
        _("Confirm and close"),
        "primary",
        _form(forms.ConfirmForm),
        lambda t, u, d: services.ticket_confirm(ticket=t, by=u, rating=d["rating"], comment=d["comment"]),
        _("Thank you. The ticket is closed."),
        open_by_default=True,
    ),
    TicketAction(
        "reopen",
        _("Not satisfied: send it back"),
        _("Send back to the department"),
        "danger",
        _form(forms.ReopenForm),
        lambda t, u, d: services.ticket_reopen(ticket=t, by=u, comment=d["comment"]),
        _("The ticket was sent back to the department under supervision."),
    ),
    TicketAction(
        "record_call",
        _("Record a follow-up call with the company"),
        _("Record the call"),
        "primary",
        _form(call_forms.CallForm),
        lambda t, u, d: services.ticket_record_call(ticket=t, by=u, said=d["said"], decision=d["decision"], rating=d["rating"]),
        _("Call recorded. The company's answer is on the timeline."),
        open_by_default=True,
    ),
    TicketAction(
        "request_extension",
        _("Ask for more time"),
        _("Request extension"),
        "",
        _form(request_forms.ExtensionRequestForm, needs_ticket=True, needs_user=True),
        lambda t, u, d: services.extension_request(ticket=t, by=u, requested_due_date=d["requested_due_date"], reason=d["reason"]),
        _("Extension requested. The dispatch office will decide."),
    ),
    TicketAction(
        "add_co_department",
        _("Add a co-handling department"),
        _("Add co-handler"),
        "",
        _form(forms.AddCoDepartmentForm, needs_ticket=True),
        lambda t, u, d: services.ticket_add_co_department(
            ticket=t, by=u, department=d["department"], note=d["note"], due_date=d["due_date"]
        ),
        _("Co-handling department added; its staff have been told."),
    ),
    TicketAction(
        "end_co_assignment",
        _("End a department's co-handling"),
        _("End co-handling"),
        "danger",
        _form(forms.EndCoAssignmentForm, needs_ticket=True),
        lambda t, u, d: services.assignment_end(assignment=d["assignment"], by=u, reason=d["reason"]),
        _("Co-handling ended; the department has been told."),
    ),
    # The department's return is a request that dispatch rules on (退单审核, DESIGN.md §9).
    TicketAction(
        "return_to_dispatch",
        _("Not our responsibility: ask dispatch to take it back"),
        _("Ask to return"),
        "danger",
        _form(request_forms.ReturnRequestForm, needs_ticket=True, needs_user=True),
        lambda t, u, d: services.return_request_file(ticket=t, by=u, reason=d["reason"], suggested_department=d["suggested_department"]),
        _("Return requested. The dispatch office will rule on it; until then the ticket stays with you and its due date runs on."),
    ),
    TicketAction(
        "request_release",
        _("Not our part: ask to be released from co-handling"),
        _("Ask to be released"),
        "danger",
        _form(request_forms.ReturnRequestForm, needs_ticket=True, needs_user=True),
        lambda t, u, d: services.return_request_file(ticket=t, by=u, reason=d["reason"], suggested_department=d["suggested_department"]),
        _("Release requested. The dispatch office will rule on it; until then your part and its due date stand."),
    ),
    TicketAction(
        "supervise",
        _("Raise supervision"),
        _("Raise supervision"),
        "danger",
        _form(forms.SuperviseForm, needs_ticket=True),
        lambda t, u, d: services.ticket_raise_supervision(ticket=t, by=u, level=d["level"], notice=d["notice"]),
        _("Supervision raised; the department has been given the notice."),
    ),
    TicketAction(
        "request_rating_review",
        _("Ask for a review of the rating (评价复核)"),
        _("Ask for a review"),
        "",
        _form(request_forms.RatingReviewRequestForm, needs_ticket=True),
        lambda t, u, d: services.rating_review_request(ticket=t, by=u, reason=d["reason"], files=d["files"]),
        _("Review requested. The supervision office will decide."),
        multipart=True,
        why_not=lambda t, u: services.rating_review_refusal(ticket=t, by=u),
    ),
    TicketAction(
        "comment",
        _("Add a progress note or file"),
        _("Add note"),
        "",
        _form(forms.CommentForm),
        lambda t, u, d: services.ticket_comment(ticket=t, by=u, text=d["text"], files=d["files"]),
        _("Note added."),
        multipart=True,
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
