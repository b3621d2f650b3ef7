"""The forms of liaison work (包联): a visit with the problems found on it, and the visit list's
filters. They check input and show errors; visit_record (tickets.services.visits) decides."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import District
from tickets import services
from tickets.models import Category, Priority
from tickets.web.forms import EMPTY_LABEL, MultipleFileField

# Problem forms on the visit page: enough for one visit, without a script to add more.
PROBLEM_FORMS = 3


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class VisitForm(forms.Form):
    enterprise = forms.ModelChoiceField(
        queryset=None,
        label=_("Company"),
        empty_label=EMPTY_LABEL,
        error_messages={"invalid_choice": _("You can record visits only to the companies you look after.")},
    )
    visited_on = forms.DateField(label=_("Visit date"), widget=DateInput())
    people_met = forms.CharField(
        label=_("People met"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 王经理, 财务 李会计")}),
    )
    discussion = forms.CharField(
        label=_("What was discussed"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say what was discussed on the visit.")},
    )
    files = MultipleFileField(label=_("Photos and files"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = user.liaison_enterprises.order_by("name")
        self.fields["visited_on"].initial = timezone.localdate()
        self.fields["visited_on"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m-%d}"


class ProblemForm(forms.Form):
    """One problem found on the visit; left empty, it is no problem."""

    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True), label=_("Category"), empty_label=EMPTY_LABEL)
    title = forms.CharField(
        label=_("Problem"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("One line: what is the problem?")})
    )
    description = forms.CharField(label=_("Details"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)

    def problem(self):
        data = self.cleaned_data
        return services.Problem(category=data["category"], title=data["title"], description=data["description"], priority=data["priority"])


ProblemFormSet = forms.formset_factory(ProblemForm, extra=PROBLEM_FORMS, max_num=PROBLEM_FORMS, absolute_max=PROBLEM_FORMS)


def problems_of(formset):
    """The problems of a valid formset: its forms that were filled in."""
    return [form.problem() for form in formset.forms if form.has_changed() and form.cleaned_data]


class VisitFilterForm(forms.Form):
    enterprise = forms.ModelChoiceField(queryset=None, required=False, label=_("Company"), empty_label=_("All companies"))
    liaison = forms.ModelChoiceField(queryset=None, required=False, label=_("Liaison official"), empty_label=_("All liaison officials"))
    district = forms.ModelChoiceField(queryset=District.objects.all(), required=False, label=_("District"), empty_label=_("All districts"))
    date_from = forms.DateField(required=False, label=_("From"), widget=DateInput())
    date_to = forms.DateField(required=False, label=_("To"), widget=DateInput())
    with_problems = forms.BooleanField(required=False, label=_("Only visits that raised problems"))

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = choices["enterprises"]
        self.fields["liaison"].queryset = choices["liaisons"]
