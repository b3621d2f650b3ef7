from django import template

from tickets.reports import format_rate

register = template.Library()


@register.filter
def rate(value):
    """A rate (its exact Fraction) as shown, rounded once: Fraction(6, 11) → "54.5%"; None → "—"."""
    return format_rate(value)
