"""The arguments of each action in the API, generated from the page's form for it (one form, one
set of rules for the page and the API), and of the decisions on requests."""

from django import forms as django_forms
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from tickets.api.serializers import TRANSITIONS
from tickets.web import actions, forms, request_forms
from tickets.web.forms import MultipleFileField

# --------------------------------------------------------------------------------------------
# Transition arguments: the page's form for each action, described for machines
# --------------------------------------------------------------------------------------------


def _argument_field(field):
    """The API field for a form field: types and lengths for the schema and a strict type check
    (a list where a text belongs is refused, not turned into text); the form still decides."""
    common = {"required": field.required, "label": field.label, "help_text": field.help_text or None}
    if isinstance(field, MultipleFileField):
        return serializers.ListField(child=serializers.FileField(), required=False, help_text=field.help_text)
    if isinstance(field, forms.KeptDepartments):  # left out or null: every co-handler of before stays
        return serializers.PrimaryKeyRelatedField(queryset=field.queryset, many=True, allow_null=True, **common)
    if isinstance(field, django_forms.ModelMultipleChoiceField):
        return serializers.PrimaryKeyRelatedField(queryset=field.queryset, many=True, **common)
    if isinstance(field, django_forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, django_forms.ModelChoiceField):
        return serializers.PrimaryKeyRelatedField(queryset=field.queryset, **common)
    if isinstance(field, django_forms.ChoiceField):
        return serializers.ChoiceField(choices=[(value, label) for value, label in field.choices if value], **common)
    if isinstance(field, django_forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, django_forms.CharField):
        return serializers.CharField(max_length=field.max_length, allow_blank=not field.required, **common)
    raise TypeError(f"No API field for {type(field).__name__}")


def _arguments_serializer(form, class_name, doc):
    fields = {field_name: _argument_field(field) for field_name, field in (form.fields.items() if form else [])}
    return type(class_name, (serializers.Serializer,), {**fields, "__doc__": str(doc)})


def _action_arguments(name):
    spec = actions.BY_NAME[name]
    class_name = "".join(part.title() for part in name.split("_")) + "Arguments"
    return _arguments_serializer(actions.unbound_form(spec, None, None), class_name, spec.summary)


_ACTIONS = (*TRANSITIONS, "comment", "request_extension", "record_call", "request_rating_review")
ARGUMENTS = {name: _action_arguments(name) for name in _ACTIONS}
ReturnDecisionArguments = _arguments_serializer(
    request_forms.ReturnDecisionForm(),
    "ReturnDecisionArguments",
    gettext_lazy("Rule on a return request: upheld or overruled (reason required)"),
)
DecisionArguments = _arguments_serializer(
    request_forms.ExtensionDecisionForm(), "ExtensionDecisionArguments", gettext_lazy("Decide an extension request")
)


RatingReviewDecisionArguments = _arguments_serializer(
    request_forms.RatingReviewDecisionForm(), "RatingReviewDecisionArguments", gettext_lazy("Decide a rating review")
)
