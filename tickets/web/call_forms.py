"""The forms of follow-up calls (回访) and verification calls (回访核实): the call on a ticket's
page, the caller's answer on the verification list, and the list's month filter."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.models import Rating

CALL_RATINGS = [(Rating.SATISFIED, Rating.SATISFIED.label), (Rating.BASICALLY_SATISFIED, Rating.BASICALLY_SATISFIED.label)]


def _said():
    return forms.CharField(
        label=_("What the company said"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you spoke to and their words: it is shown on the timeline."),
    )


class CallForm(forms.Form):
    said = _said()
    decision = forms.ChoiceField(
        label=_("The company's answer"),
        choices=[("confirm", _("Confirms the result")), ("reopen", _("Not satisfied: send it back to the department"))],
        widget=forms.RadioSelect,
    )
    rating = forms.ChoiceField(label=_("Rating (when it confirms)"), choices=CALL_RATINGS, required=False, widget=forms.RadioSelect)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "confirm" and not data.get("rating"):
            self.add_error("rating", _("Choose the company's rating: satisfied or basically satisfied."))
        return data


class VerificationAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("confirmed", _("Confirmed")), ("disagreed", _("Company disagrees"))], label=_("Answer"))
    said = _said()


class VerificationMonthForm(forms.Form):
    month = forms.CharField(required=False, max_length=7)

    def clean_month(self):
        value = self.cleaned_data["month"]
        if not value:
            return None
        try:
            return datetime.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None
