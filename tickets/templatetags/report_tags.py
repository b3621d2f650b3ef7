from django import template

from tickets.reports import format_rate

register = template.Library()


@register.filter
def rate(value):
    """Decimal("0.8333") → "83.3%"; None → "—"."""
    return format_rate(value)
