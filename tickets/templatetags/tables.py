"""{% ticket_table %} and {% co_table %}: the long tables of the lists, rendered by Jinja2
(config/jinja.py says why)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.template import engines
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def _days_over(n: int) -> str:
    return ngettext("%(n)s working day overdue", "%(n)s working days overdue", n) % {"n": n}


def _days_left(n: int) -> str:
    return ngettext("%(n)s working day left", "%(n)s working days left", n) % {"n": n}


def _words() -> dict[str, Any]:
    return {
        "ref": _("Reference"),
        "title": _("Title"),
        "company": _("Company"),
        "category": _("Category"),
        "status": _("Status"),
        "department": _("Department"),
        "due": _("Due date"),
        "submitted": _("Submitted at"),
        "returned": _("returned"),
        "overdue": _("overdue"),
        "due_today": _("due today"),
        "days_over": _days_over,
        "days_left": _days_left,
        "none": _("No tickets."),
    }


def _sort_links(request: Any, sorts: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each sortable header's link: the list's query string with its sort, from the first page."""
    links = {}
    for column, header in sorts.items():
        query = request.GET.copy()
        query["sort"] = header["next"]
        query.pop("page", None)
        links[column] = {**header, "href": "?" + query.urlencode()}
    return links


@register.simple_tag(takes_context=True)
def ticket_table(
    context: template.Context,
    tickets: Iterable[Any],
    empty_text: str | None = None,
    hide_company: bool = False,
    hide_department: bool = False,
    sorts: Mapping[str, Mapping[str, Any]] | None = None,
) -> SafeString:
    """The table of `tickets` (Tickets or tickets.selectors.rows.TicketRow); `hide_company` and
    `hide_department` on a company's or a department's own lists; `empty_text` when there are
    none; `sorts` (tickets.web.list_forms.sort_headers) makes the sortable headers links."""
    jinja = engines["jinja2"].get_template("tickets/ticket_table.html")
    request = context.get("request")
    values = {
        "tickets": tickets,
        "empty_text": empty_text,
        "hide_company": hide_company,
        "hide_department": hide_department,
        "sorts": _sort_links(request, sorts) if sorts and request is not None else None,
        "w": _words(),
        "today": timezone.localdate(),
    }
    # Jinja2 escapes every value (autoescape); what it returns is the finished HTML.
    return mark_safe(jinja.render(values))  # noqa: S308


@register.simple_tag
def co_table(parts: Iterable[Any]) -> SafeString:
    """A department's open co-handling parts (tickets.selectors.rows.CoRow), on its inbox."""
    words = {
        **_words(),
        "lead": _("Lead department"),
        "part": _("Your part"),
        "sign_by": _("Sign by"),
        "feedback_due": _("Feedback due"),
        "nothing": _("Nothing to co-handle."),
    }
    jinja = engines["jinja2"].get_template("tickets/co_table.html")
    return mark_safe(jinja.render({"parts": parts, "w": words, "today": timezone.localdate()}))  # noqa: S308
