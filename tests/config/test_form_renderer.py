"""The form renderer (config/form_renderer.py): Django's widgets in their Jinja2 versions, and
Django's engine for a template that has none (the admin's widgets)."""

from django import forms
from django.forms.renderers import get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template

from config.form_renderer import FastFormRenderer


class _Form(forms.Form):
    name = forms.CharField(max_length=20, label="名称")
    kind = forms.ChoiceField(choices=[("a", "甲 <a>"), ("b", "乙")])


def test_the_project_renders_forms_with_the_fast_renderer():
    assert isinstance(get_default_renderer(), FastFormRenderer)


def test_a_widget_template_is_rendered_by_jinja2():
    assert isinstance(FastFormRenderer().get_template("django/forms/widgets/select.html"), Jinja2Template)


def test_a_template_without_a_jinja2_version_is_rendered_by_django():
    renderer = FastFormRenderer()
    for _ in range(2):  # the second time from what the renderer remembered
        assert isinstance(renderer.get_template("admin/widgets/related_widget_wrapper.html"), DjangoTemplate)


def test_a_form_renders_the_same_fields_and_escapes_its_choices():
    html = str(_Form(renderer=FastFormRenderer())["kind"])
    assert '<option value="a">甲 &lt;a&gt;</option>' in html
    assert str(_Form(renderer=FastFormRenderer())["name"]).startswith('<input type="text" name="name" maxlength="20" required')
