"""The widgets written in Python (config/form_widgets.py) write what Django's Jinja2 widget templates
write, for every kind of widget, value and attribute: each field below is rendered both ways."""

import datetime

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import Jinja2

from config.form_renderer import FastFormRenderer
from tickets.web.forms import MultipleFileInput

CHOICES = [("a", "甲 <a> & “引号”"), ("b", "b\"'")]
GROUPED = [("市直部门", [("1", "发改委"), ("2", "工信局")]), ("县区", [("3", "城区")]), ("4", "其他")]


class _Everything(forms.Form):
    text = forms.CharField(max_length=10, help_text="帮助", widget=forms.TextInput(attrs={"placeholder": '说"明" <x>', "autofocus": True}))
    optional = forms.CharField(required=False, widget=forms.TextInput(attrs={"disabled": False, "data-x": 0}))
    number = forms.IntegerField(min_value=1, max_value=99)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput)
    secret = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))
    pick = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    many = forms.MultipleChoiceField(choices=GROUPED, required=False, widget=forms.SelectMultiple)
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect(attrs={"class": "inline"}))
    grouped_radio = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect, required=False)
    ticks = forms.MultipleChoiceField(choices=GROUPED, widget=forms.CheckboxSelectMultiple, required=False)
    flag = forms.BooleanField(required=False)
    files = forms.FileField(widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg"}), required=False)
    upload = forms.FileField(required=False)


VALUES = {
    "unbound": None,
    "bound, with tricky values": {
        "text": 'a"b<c>&d',
        "optional": "",
        "number": "7",
        "email": "x@example.com",
        "password": "不显示",
        "secret": "k&v",
        "day": "2026-02-03",
        "note": "第一行\n<第二行> & “三”",
        "pick": "b",
        "grouped": "3",
        "many": ["1", "4"],
        "radio": "a",
        "grouped_radio": "2",
        "ticks": ["2", "3"],
        "flag": "on",
    },
    "bound, invalid": {"text": "x" * 20, "number": "0", "day": "not a day", "pick": "zzz"},
}


def _both(form_class, data, initial=None):
    fast = form_class(data=data, initial=initial, renderer=FastFormRenderer())
    jinja = form_class(data=data, initial=initial, renderer=Jinja2())
    return fast, jinja


@pytest.mark.parametrize("case", list(VALUES))
@pytest.mark.parametrize("name", list(_Everything.base_fields))
def test_a_field_is_written_as_its_template_writes_it(case, name):
    fast, jinja = _both(_Everything, VALUES[case])
    if fast.is_bound:
        fast.is_valid(), jinja.is_valid()  # the errors' classes and aria attributes too
    assert str(fast[name]) == str(jinja[name])


def test_initial_values_are_written_as_the_template_writes_them():
    initial = {"text": "初始", "day": datetime.date(2026, 3, 9), "pick": "a", "ticks": ["1"], "flag": True, "note": "原文"}
    fast, jinja = _both(_Everything, None, initial)
    assert [str(fast[n]) for n in fast.fields] == [str(jinja[n]) for n in jinja.fields]


def test_a_file_input_with_a_current_file_is_rendered_from_its_template():
    class _WithFile(forms.Form):
        upload = forms.FileField(required=False)

    current = SimpleUploadedFile("旧文件.pdf", b"%PDF-1.4")
    current.url = "/media/old.pdf"
    fast, jinja = _both(_WithFile, None, {"upload": current})
    assert str(fast["upload"]) == str(jinja["upload"])
    assert "旧文件.pdf" in str(fast["upload"])


def test_the_whole_form_is_written_as_its_templates_write_it():
    fast, jinja = _both(_Everything, VALUES["bound, invalid"])
    assert str(fast) == str(jinja)


def test_the_common_widgets_are_written_without_their_templates(monkeypatch):
    renderer = FastFormRenderer()

    def no_template(name):
        if name.startswith("django/forms/widgets/"):
            raise AssertionError(f"{name} was rendered from its template")
        return FastFormRenderer.get_template(renderer, name)

    monkeypatch.setattr(renderer, "get_template", no_template)
    form = _Everything(data=VALUES["bound, with tricky values"], renderer=renderer)
    for name in form.fields:
        str(form[name])
