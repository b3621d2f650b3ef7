"""The forms of return requests (退单审核, DESIGN.md §9): a department's request, dispatch's ruling.
The service (tickets.services.returns) checks what they cannot: the window, a pending request,
the suggested department."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department
from tickets import rules, services


class ReturnRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not your department's responsibility"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Any department is accepted here so that the service refuses an inactive one (or your own) in words.
    suggested_department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        required=False,
        label=_("Department you think responsible"),
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
        field.choices = [("", "---------"), *((d.pk, d.name) for d in offered)]  # shown; the queryset still validates
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
