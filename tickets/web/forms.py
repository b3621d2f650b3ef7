"""Forms: they check input and show errors; the actions themselves are in tickets.services.

The forms of requests and decisions (extensions, returns, rating reviews) are in
tickets.web.request_forms, those of follow-up calls in tickets.web.call_forms.

Why this is long: one form per remaining action of a ticket page (the API describes its arguments
from the same forms), plus the submission and filter forms and the department choosers
they share.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department, Enterprise
from tickets import rules, services
from tickets.models import Assignment, Category, Channel, ContactMethod, Outcome, Rating, SupervisionLevel, Ticket

# The empty choice of every dropdown that asks for a choice, in every form (one label, not
# Django's "---------"); the filter bars offer "All …" instead: nothing chosen there is no filter.
EMPTY_LABEL = _("— Select —")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


def _attachment_help():
    return gettext("Up to %(count)s files, %(size)s MB each: %(types)s") % {
        "count": settings.ATTACHMENT_MAX_FILES,
        "size": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "types": ", ".join(settings.ATTACHMENT_ALLOWED_EXTENSIONS),
    }


class MultipleFileField(forms.FileField):
    """Several files in one field, each checked against the accepted types and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in settings.ATTACHMENT_ALLOWED_EXTENSIONS)}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        # Lazy: the fields are built at import, the text must follow each request's language.
        kwargs.setdefault("help_text", lazy(_attachment_help, str)())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        for upload in files:
            super().clean(upload, initial)
        services.validate_uploads(files)
        return files


# The channels the dispatch office records for a problem it takes in (a company's own is "web").
DISPATCH_CHANNELS = [(Channel.HOTLINE, Channel.HOTLINE.label), (Channel.LIAISON, Channel.LIAISON.label)]


class TicketSubmitForm(forms.ModelForm):
    enterprise = forms.ModelChoiceField(queryset=Enterprise.objects.none(), label=_("Company"), empty_label=EMPTY_LABEL)
    category = forms.ModelChoiceField(queryset=Category.objects.filter(is_active=True), label=_("Category"), empty_label=EMPTY_LABEL)
    channel = forms.ChoiceField(choices=DISPATCH_CHANNELS, label=_("Channel"))
    files = MultipleFileField()

    class Meta:
        model = Ticket
        fields = ["enterprise", "category", "title", "description", "priority", "channel", "contact_name", "contact_phone"]
        widgets = {
            "title": forms.TextInput(attrs={"placeholder": _("One line: what is the problem?")}),
            "description": forms.Textarea(
                attrs={"rows": 7, "placeholder": _("What happened, since when, what you have tried, what you need.")}
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_company:
            del self.fields["enterprise"]
            del self.fields["channel"]
        elif user.is_liaison:
            self.fields["enterprise"].queryset = user.liaison_enterprises.all()
            del self.fields["channel"]
        else:
            self.fields["enterprise"].queryset = Enterprise.objects.all()
        self.fields["contact_name"].help_text = _("Leave empty to use the company's registered contact.")

    def enterprise_for_submission(self):
        if self.user.is_company:
            return self.user.enterprise
        return self.cleaned_data["enterprise"]


def _active_departments():
    return Department.objects.filter(is_active=True)


class DepartmentChoices(forms.ModelMultipleChoiceField):
    """Several departments, ticked; one that does not exist or no longer takes tickets is refused
    by name (its id) with words a dispatcher understands."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _("Department %(value)s does not exist or no longer takes tickets."),
                "invalid_pk_value": _("“%(pk)s” is not a department."),
            },
        )
        super().__init__(queryset, **kwargs)


class KeptCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes where "none ticked" is an answer: the page sends a marker with them, so that a
    request without the field at all (an API call leaving it out) means "not given"."""

    def render(self, name, value, attrs=None, renderer=None):
        marker = format_html('<input type="hidden" name="{}-shown" value="1">', name)
        return super().render(name, value, attrs, renderer) + marker

    def value_from_datadict(self, data, files, name):
        if name not in data and f"{name}-shown" not in data:
            return None
        return super().value_from_datadict(data, files, name)


class KeptDepartments(DepartmentChoices):
    """DepartmentChoices whose value is None when not given (keep every co-handler)."""

    widget = KeptCheckboxes

    def clean(self, value):
        if value is None:
            return None
        return super().clean(value)


class AssignForm(forms.Form):
    """One lead department, its co-handlers, complex or not; after a return, which co-handlers
    of before stay (default: all). The service decides what may be combined (a lead that also
    co-handles is refused there)."""

    department = forms.ModelChoiceField(queryset=_active_departments(), label=_("Lead department"), empty_label=EMPTY_LABEL)
    co_departments = DepartmentChoices(
        queryset=_active_departments(),
        label=_("Co-handling departments"),
        help_text=_("Departments that give their written contribution to the lead department (协办)."),
    )
    is_complex = forms.BooleanField(
        label=_("Complex case (疑难复杂)"),
        required=False,
        help_text=_("Uses the deadline profile's longer resolution time instead of the usual one."),
    )
    keep_co = KeptDepartments(
        queryset=Department.objects.all(),
        label=_("Co-handlers to keep"),
        help_text=_("Still co-handling from before the ticket came back; untick those that should stop."),
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to use the category's service level in working days."),
    )
    note = forms.CharField(
        label=_("Instructions to the department"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is None:  # the API's description of the arguments
            return
        still_open = [a.department_id for a in rules.open_co_assignments(ticket)]
        if still_open:
            self.fields["keep_co"].queryset = Department.objects.filter(pk__in=still_open)
            self.fields["keep_co"].initial = still_open
        else:
            del self.fields["keep_co"]


class AddCoDepartmentForm(forms.Form):
    department = forms.ModelChoiceField(queryset=_active_departments(), label=_("Co-handling department"), empty_label=EMPTY_LABEL)
    note = forms.CharField(
        label=_("What the co-handler should contribute"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_date = forms.DateField(
        label=_("Feedback due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to use the category's co-feedback time in working days."),
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is not None:  # not offered: the lead itself and the departments co-handling already
            taken = [ticket.department_id, *(a.department_id for a in rules.open_co_assignments(ticket))]
            self.fields["department"].queryset = _active_departments().exclude(pk__in=[pk for pk in taken if pk])


class EndCoAssignmentForm(forms.Form):
    assignment = forms.ModelChoiceField(queryset=Assignment.objects.none(), label=_("Co-handling department"), empty_label=EMPTY_LABEL)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignment"]
        if ticket is None:  # the API's description: any co assignment id
            field.queryset = Assignment.objects.filter(role="co")
            return
        field.queryset = Assignment.objects.filter(pk__in=[a.pk for a in rules.open_co_assignments(ticket)]).select_related("department")
        field.label_from_instance = lambda assignment: assignment.department.name


class ContactForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=ContactMethod.choices, widget=forms.RadioSelect, initial=ContactMethod.PHONE)
    note = forms.CharField(label=_("What was discussed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CoFeedbackForm(forms.Form):
    text = forms.CharField(
        label=_("Your department's feedback"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Your written contribution for the lead department (协办意见)."),
    )
    files = MultipleFileField()


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    duplicate_of = forms.CharField(
        label=_("Duplicate of (reference)"),
        required=False,
        max_length=20,
        help_text=_("e.g. QY-2026-000123, if this repeats an earlier ticket."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_duplicate_of(self):
        reference = self.cleaned_data.get("duplicate_of", "").strip().upper()
        if not reference:
            return None
        original = Ticket.objects.visible_to(self.user).filter(reference=reference).first()
        if original is None:
            raise ValidationError(_("No ticket with reference %(ref)s.") % {"ref": reference})
        return original


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    result = forms.CharField(
        label=_("Result"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done, and the outcome for the company."),
    )
    # The outcome (DESIGN.md §9); not feasible for now needs the condition and the review date,
    # shown only once it is chosen where the browser can (CSS :has), always shown otherwise.
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    outcome_condition = forms.CharField(
        label=_("Condition still missing"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for “not feasible for now”: what is missing for a solution."),
    )
    outcome_review_date = forms.DateField(
        label=_("Review date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Only for “not feasible for now”: the date, after today, on which your department looks at it again."),
    )
    files = MultipleFileField()
    override_reason = forms.CharField(
        label=_("Reason to resolve without their feedback"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed only while a co-handling department has not given its feedback."),
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("outcome_condition", "outcome_review_date"):
            self.fields[name].shown_when = "not-feasible"  # {% form_fields %}: the field's class
        if ticket is None:  # the API's description of the arguments
            return
        missing = services.missing_co_feedback(ticket)
        if not missing:
            del self.fields["override_reason"]
            return
        # The service refuses a resolve without it (and says so next to this field): shown as required.
        field = self.fields["override_reason"]
        field.shown_required = True
        field.help_text = gettext("No feedback yet from: %(departments)s. It is recorded and counted as resolved without it.") % {
            "departments": "、".join(a.department.name for a in missing)
        }

    def clean(self):
        data = super().clean()
        if data.get("outcome") != Outcome.NOT_FEASIBLE:
            return data
        if not (data.get("outcome_condition") or "").strip():
            self.add_error("outcome_condition", gettext("Say what condition is missing for a solution."))
        review_date = data.get("outcome_review_date")
        today = timezone.localdate()
        if review_date is None:
            if "outcome_review_date" not in self.errors:
                self.add_error("outcome_review_date", gettext("Give the date on which the problem will be looked at again."))
        elif review_date <= today:
            message = gettext("The review date must be after today (%(today)s).") % {"today": today.isoformat()}
            self.add_error("outcome_review_date", message)
        return data


class ConfirmForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("Your rating"),
        choices=[(Rating.SATISFIED, Rating.SATISFIED.label), (Rating.BASICALLY_SATISFIED, Rating.BASICALLY_SATISFIED.label)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    comment = forms.CharField(label=_("What is still not solved?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Progress note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField()


class SuperviseForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Supervision level"),
        choices=[(SupervisionLevel.YELLOW, SupervisionLevel.YELLOW.label), (SupervisionLevel.RED, SupervisionLevel.RED.label)],
        widget=forms.RadioSelect,
    )
    notice = forms.CharField(label=_("Supervision notice"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is not None and ticket.supervision_level == SupervisionLevel.YELLOW:
            self.fields["level"].choices = [(SupervisionLevel.RED, SupervisionLevel.RED.label)]
            self.fields["level"].initial = SupervisionLevel.RED


class QuickSelect(forms.Select):
    """The same <select> as forms.Select, written in Python: Django renders every <option>
    through a template include, which made the filter bar a quarter of a list page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "", '<option value="{}"{}>{}</option>', ((o["value"], flatatt(o["attrs"]), o["label"]) for o in options)
            )
            groups.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered) if group_name else rendered)
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), mark_safe("".join(groups)))


class TicketFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), required=False, max_length=100, widget=forms.TextInput(attrs={"placeholder": _("Reference, title or company")})
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses"))] + list(Ticket._meta.get_field("status").choices),
        widget=QuickSelect,
    )
    supervision = forms.ChoiceField(
        label=_("Supervision"), required=False, choices=[("", _("Any supervision"))] + list(SupervisionLevel.choices), widget=QuickSelect
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.all(), empty_label=_("All categories"), widget=QuickSelect
    )
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.all(), empty_label=_("All departments"), widget=QuickSelect
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_company or user.is_department:
            # Their list is one company's or one department's: a filter by department would offer
            # every department of the city for a handful of tickets (a company sees its
            # departments in the list's column; a department's list is its own work).
            del self.fields["department"]
