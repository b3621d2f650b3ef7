"""{% form_fields form %}: a form's errors, hidden fields and labelled fields, as every page of the
product lays them out (what templates/_form.html did, included once per form: a ticket page
includes six). Each field's widget is rendered by the form renderer (config/form_renderer.py);
every value is escaped as a template would."""

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_REQUIRED = mark_safe(' <span class="req">*</span>')  # noqa: S308


def _field(bound: Any) -> SafeString:
    field = bound.field
    errors = bound.errors
    css = "field"
    if errors:
        css += " has-error"
    shown_when = getattr(field, "shown_when", None)
    if shown_when:
        css += f" shown-when-{conditional_escape(shown_when)}"
    required = _REQUIRED if field.required or getattr(field, "shown_required", False) else ""
    help_text = format_html('<small class="help">{}</small>', bound.help_text) if bound.help_text else ""
    error_lines = format_html_join("", '<p class="error" role="alert">{}</p>', ((e,) for e in errors))
    return format_html(
        '<div class="{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}{}\n</div>\n',
        mark_safe(css),  # noqa: S308 - fixed words and an escaped value
        bound.id_for_label,
        bound.label,
        required,
        bound,
        help_text,
        error_lines,
    )


@register.simple_tag
def form_fields(form: Any) -> SafeString:
    """The whole of `form` but its <form> element and buttons."""
    html = ""
    non_field = form.non_field_errors()
    if non_field:
        html += format_html('<div class="errors" role="alert">{}</div>', format_html_join("", "<p>{}</p>", ((e,) for e in non_field)))
    html += "".join(str(field) for field in form.hidden_fields())
    html += "".join(_field(field) for field in form.visible_fields())
    return mark_safe(html)  # noqa: S308 - built of escaped parts
