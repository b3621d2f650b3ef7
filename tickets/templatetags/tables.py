"""{% ticket_table %}: the ticket table of the lists, rendered by Jinja2 (config/jinja.py says why)."""

from collections.abc import Iterable
from typing import Any

from django import template
from django.template import engines
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _words() -> dict[str, str]:
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
        "none": _("No tickets."),
    }


@register.simple_tag
def ticket_table(tickets: Iterable[Any], empty_text: str | None = None, hide_company: bool = False) -> SafeString:
    """The table of `tickets` (Tickets or tickets.selectors.rows.TicketRow); `hide_company` on a
    company's own lists and case files; `empty_text` when there are none."""
    jinja = engines["jinja2"].get_template("tickets/ticket_table.html")
    context = {"tickets": tickets, "empty_text": empty_text, "hide_company": hide_company, "w": _words(), "today": timezone.localdate()}
    # Jinja2 escapes every value (autoescape); what it returns is the finished HTML.
    return mark_safe(jinja.render(context))  # noqa: S308
