"""Django's widget templates written in Python: what FastFormRenderer (config/form_renderer.py)
answers for the templates every form uses, instead of rendering them.

Each function writes exactly what Django's Jinja2 template of the same name writes (quoted in its
docstring), escaping as Jinja2 does (markupsafe); tests/config/test_form_widgets.py holds each to
the template for every kind of widget, value and attribute the product uses. Even in Jinja2 a
widget was a template with an include for its attributes and one per option: a ticket page's
action panels rendered some 120 of them (bench/README.md, issue 18). A widget these do not cover
(a clearable file input with a current file, a template of a third party) is rendered from its
template.
"""

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import escape


def _attrs(attrs: Mapping[str, Any]) -> str:
    """attrs.html: {% for name, value in widget.attrs.items() %}{% if value is not sameas False %}
    {{ name }}{% if value is not sameas True %}="{{ value }}"{% endif %}{% endif %}{% endfor %}"""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"')
    return "".join(out)


def _input(widget: Mapping[str, Any]) -> str:
    """input.html: <input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}
    value="{{ widget.value }}"{% endif %}{% include "django/forms/widgets/attrs.html" %}>"""
    value = f' value="{escape(widget["value"])}"' if widget["value"] is not None else ""
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: Mapping[str, Any]) -> str:
    """textarea.html: <textarea name="{{ widget.name }}"{% include attrs %}>\\n{% if widget.value %}{{ widget.value }}
    {% endif %}</textarea>"""
    value = escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _input_option(widget: Mapping[str, Any]) -> str:
    """input_option.html: the input, in a <label for=…> with the option's label when wrap_label."""
    if not widget.get("wrap_label"):
        return _input(widget)
    target = widget["attrs"].get("id")
    label_for = f' for="{escape(target)}"' if target else ""
    return f"<label{label_for}>{_input(widget)} {escape(widget['label'])}</label>"


_OPTION_TEMPLATES = {"django/forms/widgets/radio_option.html", "django/forms/widgets/checkbox_option.html"}


def _multiple_input(widget: Mapping[str, Any]) -> str | None:
    """multiple_input.html (radio buttons, checkboxes): a <div> of a <div> per option, in groups."""
    attrs = widget["attrs"]
    out = "<div" + (f' id="{escape(attrs["id"])}"' if attrs.get("id") else "")
    out += (f' class="{escape(attrs["class"])}"' if attrs.get("class") else "") + ">"
    for group, options, _index in widget["optgroups"]:
        if group:
            out += f"\n  <div><label>{escape(group)}</label>"
        for option in options:
            if option["template_name"] not in _OPTION_TEMPLATES:
                return None
            out += "<div>\n    " + _input_option(option) + "</div>"
        if group:
            out += "\n  </div>"
    return out + "\n</div>"


def _select(widget: Mapping[str, Any]) -> str | None:
    """select.html: <select …> with an <option> per choice, in <optgroup>s."""
    out = f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>'
    for group, options, _index in widget["optgroups"]:
        if group:
            out += f'\n  <optgroup label="{escape(group)}">'
        for option in options:
            if option["template_name"] != "django/forms/widgets/select_option.html":
                return None
            out += f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>{escape(option["label"])}</option>'
        if group:
            out += "\n  </optgroup>"
    return out + "\n</select>"


def _clearable_file_input(widget: Mapping[str, Any]) -> str | None:
    """clearable_file_input.html without a current file: the bare file input (its value is None)."""
    return None if widget.get("is_initial") else _input(widget)


def _plain(render: Callable[[Mapping[str, Any]], str | None]) -> Callable[[Mapping[str, Any]], str | None]:
    return lambda context: render(context["widget"])


# Template name → the function that writes it from the widget's context (None: use the template).
WRITERS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    **{
        f"django/forms/widgets/{name}.html": _plain(_input)
        for name in (
            "input",
            "text",
            "number",
            "email",
            "url",
            "password",
            "hidden",
            "date",
            "datetime",
            "time",
            "search",
            "tel",
            "file",
            "checkbox",
        )
    },
    "django/forms/widgets/textarea.html": _plain(_textarea),
    "django/forms/widgets/radio.html": _plain(_multiple_input),
    "django/forms/widgets/checkbox_select.html": _plain(_multiple_input),
    "django/forms/widgets/multiple_input.html": _plain(_multiple_input),
    "django/forms/widgets/select.html": _plain(_select),
    "django/forms/widgets/clearable_file_input.html": _plain(_clearable_file_input),
}
