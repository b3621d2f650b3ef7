from django import template

from tickets.reports import NAMES, format_rate

register = template.Library()


@register.filter
def rate(value):
    """A rate (its exact Fraction) as shown, rounded once: Fraction(6, 11) → "54.5%"; None → "—"."""
    return format_rate(value)


@register.filter
def figure_name(key):
    """The name of a figure of the report (tickets.reports.NAMES): "on_time_rate" → "按期办结率"."""
    return NAMES.get(key, key)
