"""What a ticket's page shows of an event's stored facts: the labels of the values it keeps."""

from django import template

from tickets import personal
from tickets.models import Assignment, ContactMethod, Outcome

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key], or "": a value of a dict the view built (a department by assignment id)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


# The choices' names, made once (translated when shown): the timeline asks them per event.
_END_REASONS = dict(Assignment.EndReason.choices)
_CONTACT_METHODS = dict(ContactMethod.choices)
_OUTCOMES = dict(Outcome.choices)


@register.filter
def end_reason_label(value):
    """Why a co-handling ended (Assignment.EndReason), in words."""
    return _END_REASONS.get(value, value)


@register.filter
def contact_method_label(value):
    """How the company was contacted (ContactMethod), in words."""
    return _CONTACT_METHODS.get(value, value)


@register.filter
def outcome_label(value):
    """What a resolution achieved (Outcome), in words; a resolution from before outcomes existed was solved."""
    return _OUTCOMES.get(value or Outcome.SOLVED, value)


@register.filter
def actor_for(event, full_contact):
    """Who made the event, as this reader may see it: a company's user masked unless the page's
    reader sees the company's contact (`full_contact`, from tickets.rules; tickets.personal)."""
    return personal.actor_label(event, full=bool(full_contact))


@register.filter
def person_for(person, full_contact):
    """A user's name as this reader may see it (a company's user masked; tickets.personal)."""
    return personal.person_label(person, full=bool(full_contact))


@register.filter
def in_app_text(notification):
    """A notification's text on the site: without the links and footer its e-mail carries
    (tickets.notifications.texts.in_app_text)."""
    from tickets.notifications import in_app_text as text_of

    return text_of(notification.body or "", notification.url or "")
