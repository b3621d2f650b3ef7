"""The ticket list's filter bar: the filters of TicketFilterForm, plus the range of submission
dates and the order (`sort`, one of tickets.selectors.tickets.TICKET_LIST_SORTS), and the links
of its sortable column headers.

A bad value is refused on its own, with its message in the filter bar, and filters nothing: the
list is read with the other, valid, filters (a bad date, a range that ends before it starts, an
order the list does not know)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.selectors.tickets import DEFAULT_LIST_SORT, TICKET_LIST_SORTS
from tickets.web.forms import TicketFilterForm

_DATE_INVALID = _("Enter the date as YYYY-MM-DD.")

# The columns whose header sorts the list: column → the sort key (ascending; "-" + key descends).
SORTABLE_COLUMNS = {"status": "status", "due": "due", "submitted": "submitted"}
# The first click on a column: due dates soonest first; submission and status newest first.
_FIRST_CLICK = {"status": "status", "due": "due", "submitted": "-submitted"}


class TicketListForm(TicketFilterForm):
    submitted_from = forms.DateField(
        label=_("Submitted from"),
        required=False,
        error_messages={"invalid": _DATE_INVALID},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    submitted_to = forms.DateField(
        label=_("Submitted to"),
        required=False,
        error_messages={"invalid": _DATE_INVALID},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(key, key) for key in TICKET_LIST_SORTS],
        error_messages={"invalid_choice": _("The list cannot be sorted that way; it is shown in its usual order.")},
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The category and department choices as (id, name) pairs in one plain query each: a
        # ModelChoiceField otherwise reads its model's rows through a server-side cursor and
        # builds a model instance per option, on every page view of the list. Validating a
        # choice still asks the field's queryset.
        for name in ("category", "department"):
            field = self.fields.get(name)
            if field is not None:
                field.choices = [("", field.empty_label), *field.queryset.values_list("pk", "name")]

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("The end of the date range is before its start; the list is not filtered by date."))
            data.pop("submitted_from", None)
        return data

    def selector_values(self):
        """The filters to read the list with: the valid ones (an invalid one is left out, and
        its error shown), the order defaulting to the usual one."""
        values = {}
        if self.is_bound:
            self.is_valid()  # cleans: cleaned_data holds only the valid fields
            values = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        values["query"] = values.pop("q", None)
        values["sort"] = values.get("sort") or DEFAULT_LIST_SORT
        return values


# The orders a phone offers as links (its table has no headers), in the table's order.
SORT_LABELS = (("status", _("Status")), ("due", _("Due date")), ("submitted", _("Submitted at")))


def sort_headers(current):
    """For each sortable column: the sort its header's link asks for (the other direction when
    the list is sorted by it already) and the direction it is sorted in now ("ascending",
    "descending" or None), for aria-sort."""
    headers = {}
    for column, key in SORTABLE_COLUMNS.items():
        if current == key:
            headers[column] = {"next": f"-{key}", "dir": "ascending"}
        elif current == f"-{key}":
            headers[column] = {"next": key, "dir": "descending"}
        else:
            headers[column] = {"next": _FIRST_CLICK[column], "dir": None}
    return headers
