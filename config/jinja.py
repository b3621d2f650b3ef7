"""The Jinja2 environment of the few hot templates (templates/jinja2/): the rows of the long lists.

Django's template engine costs about 150 µs per row of a ticket table; Jinja2 compiles a template
to Python and renders the same row in a quarter of that (bench/README.md, issue 18). The pages stay
Django templates and include a Jinja2 table through a template tag (tickets/templatetags/tables.py).

Text: Django's gettext is installed (`_()`, `gettext()`, `ngettext()`), so a Jinja2 template
translates as the rest of the site does; `makemessages` does not read Jinja2's syntax, so the
tables take their words from Python (the tag's labels), where it finds them.
Dates: `date` is Django's date filter on the local time (Asia/Shanghai), as in Django templates;
the numeric formats the tables use ("Y-m-d", "Y-m-d H:i") are written with strftime, which gives
the same text without Django's per-call format machinery (a list page formats hundreds of dates).
"""

import datetime
from typing import Any

from django.template import defaultfilters
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from jinja2 import Environment

# Django date formats whose output does not depend on the language, as strftime formats.
_NUMERIC_FORMATS = {"Y-m-d": "%Y-%m-%d", "Y-m-d H:i": "%Y-%m-%d %H:%M"}


def _date(value: Any, format_string: str | None = None) -> str:
    if value is None or value == "":
        return ""
    numeric = _NUMERIC_FORMATS.get(format_string or "")
    if numeric and isinstance(value, datetime.datetime):
        return timezone.template_localtime(value).strftime(numeric)
    if numeric == "%Y-%m-%d" and isinstance(value, datetime.date):
        return value.isoformat()
    return defaultfilters.date(timezone.template_localtime(value), format_string)


def environment(**options: Any) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = _date
    return env
