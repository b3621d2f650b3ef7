"""The forms of requests and their decisions: a department asks (more time, to return a ticket or
be released, a review of a rating) and an office decides. The service of each checks what a form
cannot (windows, pending requests, who may); the API describes its arguments from these forms.
"""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department
from tickets import rules, services
from tickets.web.forms import EMPTY_LABEL, MultipleFileField


class ExtensionRequestForm(forms.Form):
    requested_due_date = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("Why more time is needed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, ticket=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        assignment = rules.extension_assignment(user, ticket) if ticket is not None and user is not None else None
        if assignment is None:
            return
        if assignment.is_co:
            text = gettext("Your department's feedback is due %(date)s; a co-handler's cannot move past the lead's due date.")
        else:
            text = gettext("The ticket is due %(date)s.")
        self.fields["requested_due_date"].help_text = text % {"date": assignment.due_date.isoformat()}


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))], label=_("Decision"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# Return requests (退单审核, DESIGN.md §9): a department's request, dispatch's ruling. The service
# (tickets.services.returns) checks what they cannot: the window, a pending request, the
# suggested department.


class ReturnRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not your department's responsibility"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Any department is accepted here so that the service refuses an inactive one (or your own) in words.
    suggested_department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        label=_("Department you think responsible"),
        empty_label=EMPTY_LABEL,
        help_text=_("Optional: dispatch sees it, and proposes it when it assigns the ticket again."),
        error_messages={"invalid_choice": _("There is no such department.")},
    )

    def __init__(self, *args, ticket=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        assignment = rules.return_assignment(user, ticket) if ticket is not None and user is not None else None
        if assignment is None:  # the API's description of the arguments
            return
        field = self.fields["suggested_department"]
        offered = Department.objects.filter(is_active=True).exclude(pk=assignment.department_id)
        field.choices = [("", field.empty_label), *((d.pk, d.name) for d in offered)]  # shown; the queryset still validates
        self.fields["reason"].help_text = gettext(
            "You can ask until %(date)s (%(days)s working days after the assignment). Dispatch rules on it; until then the "
            "ticket stays with you and its due date runs on."
        ) % {"date": services.return_window_end(assignment).isoformat(), "days": services.return_window_days()}


class ReturnDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("upheld", _("Uphold")), ("overruled", _("Overrule"))], label=_("Ruling"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to overrule: the department reads it."),
    )


class RatingReviewRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the rating is not your department's fault"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    files = MultipleFileField()

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        event = rules.latest_rating_event(ticket) if ticket is not None else None
        if event is not None:
            self.fields["reason"].help_text = gettext(
                "Supervision decides. You can ask until %(date)s; a ticket has one review at most."
            ) % {"date": rules.rating_review_deadline(event).isoformat()}


class RatingReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", _("Uphold: not the department's fault")), ("refuse", _("Refuse: the rating stands"))],
        label=_("Decision"),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note (required to refuse)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
