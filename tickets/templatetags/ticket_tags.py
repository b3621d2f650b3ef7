"""What a ticket's page shows of an event's stored facts: the labels of the values it keeps."""

from django import template

from tickets.models import Assignment, ContactMethod

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key], or "": a value of a dict the view built (a department by assignment id)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def end_reason_label(value):
    """Why a co-handling ended (Assignment.EndReason), in words."""
    return dict(Assignment.EndReason.choices).get(value, value)


@register.filter
def contact_method_label(value):
    """How the company was contacted (ContactMethod), in words."""
    return dict(ContactMethod.choices).get(value, value)
