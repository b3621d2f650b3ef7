"""The form renderer: Django's own widget and form templates in their Jinja2 versions, which
Django ships beside the Django-template ones (django/forms/jinja2/) and keeps in step with them.

A ticket page renders several forms, and every widget, every <option> and every attribute list
is a template of its own: on a ticket page with six action panels, 61 attribute lists and 48
options took 13 ms in Django's template engine (bench/README.md, issue 18). Jinja2 renders the
same HTML in a fraction of that.

A template that has no Jinja2 version (the admin's widgets, a third-party app's) is rendered as
before, by Django's engine: the renderer tries Jinja2 first and remembers which names it lacks.
The widget templates every form uses are not rendered at all but written in Python
(config/form_widgets.py), the same HTML.
"""

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist

from config.form_widgets import WRITERS


class FastFormRenderer(BaseRenderer):
    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()
        self._django_only: set[str] = set()

    def get_template(self, template_name: str) -> Any:
        if template_name not in self._django_only:
            try:
                return self._jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self._django.get_template(template_name)

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        writer = WRITERS.get(template_name)
        html = writer(context) if writer is not None else None
        return html if html is not None else super().render(template_name, context, request=request)
