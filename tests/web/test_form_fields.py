"""{% form_fields form %} (tickets/templatetags/form_tags.py): how every form of the product lays out
its errors, fields, required marks and help, escaped."""

from django import forms

from tickets.templatetags.form_tags import form_fields


class _Form(forms.Form):
    secret = forms.CharField(widget=forms.HiddenInput, initial="k")
    title = forms.CharField(label="标题 <b>", max_length=10, help_text="不超过 10 个字 & 符号")
    note = forms.CharField(label="说明", required=False)

    def clean(self):
        raise forms.ValidationError("整体 <错误>")


def test_each_visible_field_has_its_label_required_mark_and_help():
    html = form_fields(_Form())
    assert '<label for="id_title">标题 &lt;b&gt; <span class="req">*</span></label>' in html
    assert '<label for="id_note">说明</label>' in html
    assert '<small class="help">不超过 10 个字 &amp; 符号</small>' in html


def test_hidden_fields_come_without_a_label():
    html = form_fields(_Form())
    assert '<input type="hidden" name="secret" value="k" id="id_secret">' in html
    assert 'for="id_secret"' not in html


def test_errors_are_shown_next_to_their_field_and_on_top_escaped():
    form = _Form(data={"secret": "k", "title": "这个标题实在是太长了超过十个字"})
    assert not form.is_valid()
    html = form_fields(form)
    assert '<div class="field has-error">' in html
    assert '<p class="error" role="alert">' in html
    assert '<div class="errors" role="alert"><p>整体 &lt;错误&gt;</p></div>' in html


def test_a_field_shown_only_for_a_choice_carries_its_class():
    form = _Form()
    form.fields["note"].shown_when = "not-feasible"
    assert '<div class="field shown-when-not-feasible">' in form_fields(form)
