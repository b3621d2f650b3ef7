"""What the forms do for the person filling them (issue 18 item 7): one empty choice, "— 请选择 —",
in every dropdown that asks for a choice; the length limit the character counter reads; and a
refusal shown in the panel of the action it refuses, not only at the top of the ticket page."""

import html as html_text
import inspect
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from tests.conftest import at, day
from tickets import services
from tickets.models import ReturnRequest
from tickets.web import call_forms, report_form, request_forms, visit_forms
from tickets.web import forms as ticket_forms
from tickets.web.forms import EMPTY_LABEL

pytestmark = pytest.mark.django_db

FORM_MODULES = (ticket_forms, request_forms, visit_forms, call_forms, report_form)
# A filter bar's empty choice means "no filter": "All …" / "Any …", not "— Select —".
FILTER_CHOICE = re.compile(r"^(All|Any) ")


def empty_choices():
    """(form, field, label) of every empty choice a dropdown of the project's forms offers."""
    with translation.override("en"):
        for module in FORM_MODULES:
            for name, form in inspect.getmembers(module, inspect.isclass):
                if not issubclass(form, forms.BaseForm) or form.__module__ != module.__name__:
                    continue
                for field_name, field in form.base_fields.items():
                    if isinstance(field, forms.ModelMultipleChoiceField) or isinstance(field.widget, forms.RadioSelect):
                        continue
                    if isinstance(field, forms.ModelChoiceField):
                        if field.empty_label is not None:
                            yield name, field_name, str(field.empty_label)
                    elif isinstance(field, forms.ChoiceField):
                        yield from ((name, field_name, str(label)) for value, label in field.choices if value == "")


def test_every_dropdown_that_asks_for_a_choice_offers_the_same_empty_choice():
    found = list(empty_choices())
    assert any(label == "— Select —" for _form, _field, label in found)
    wrong = [(form, field, label) for form, field, label in found if label != "— Select —" and not FILTER_CHOICE.match(label)]
    assert not wrong, wrong


def test_the_empty_choice_reads_please_choose_in_chinese():
    with translation.override("zh-hans"):
        assert str(EMPTY_LABEL) == "— 请选择 —"


def test_the_submission_form_offers_please_choose_and_no_dashes(client, dispatcher, category):
    client.force_login(dispatcher)
    page = client.get(reverse("ticket_new")).content.decode()
    assert page.count('<option value="" selected>— 请选择 —</option>') == 2  # the company and the category
    assert "---------" not in page


def test_the_assign_panel_offers_please_choose(client, dispatcher, ticket):
    client.force_login(dispatcher)
    page = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()
    assert re.search(r'<select name="department"[^>]*>\s*<option value="">— 请选择 —</option>', page)


@pytest.mark.parametrize("role", ["department_user", "dispatcher"])
def test_the_ticket_pages_panels_offer_please_choose_and_no_dashes(request, client, role, co_handled_ticket):
    """The department's return panel (its suggested department), dispatch's co-handler panels."""
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("ticket_detail", args=[co_handled_ticket.reference])).content.decode()
    assert "— 请选择 —" in page and "---------" not in page


def test_a_text_box_carries_the_limit_the_counter_reads(client, company_user, category):
    client.force_login(company_user)
    page = client.get(reverse("ticket_new")).content.decode()
    assert re.search(r'<textarea name="description"[^>]*maxlength="5000"', page)
    assert re.search(r'<input type="text" name="title"[^>]*maxlength="100"', page)


# --- a refusal at its action ----------------------------------------------------------------------


@pytest.fixture
def late_for_a_return(submit, dispatcher, department):
    """Assigned on 2026-03-02: its return window ended on 2026-03-04."""
    return services.ticket_assign(ticket=submit(at=at(day(3, 2))), by=dispatcher, department=department, at=at(day(3, 2)))


def post_return(client, user, ticket, reason="不归我局"):
    client.force_login(user)
    return client.post(reverse("ticket_action", args=[ticket.reference, "return_to_dispatch"]), {"reason": reason})


def panel(page, action):
    """The HTML of one action's panel on the ticket page."""
    match = re.search(rf'<details class="action[^"]*" id="action-{action}".*?</details>', page, flags=re.S)
    assert match, f"no panel for {action}"
    return match.group(0)


def test_a_refused_action_shows_the_reason_in_its_own_panel(client, department_user, late_for_a_return):
    response = post_return(client, department_user, late_for_a_return)
    assert response.status_code == 400
    shown = panel(html_text.unescape(response.content.decode()), "return_to_dispatch")
    assert "2026-03-04" in shown and 'role="alert"' in shown


def test_the_refused_panel_is_opened_and_marked_to_be_scrolled_to(client, department_user, late_for_a_return):
    page = post_return(client, department_user, late_for_a_return).content.decode()
    opening = re.search(r'<details class="action refused" id="action-return_to_dispatch"[^>]*>', page).group(0)
    assert " data-refused" in opening and " open" in opening
    assert page.count("data-refused") == 1


def test_the_refused_panel_keeps_what_was_typed(client, department_user, late_for_a_return):
    page = post_return(client, department_user, late_for_a_return, reason="应由市人社局办理").content.decode()
    assert "应由市人社局办理" in panel(page, "return_to_dispatch")


def test_a_refused_action_changes_nothing(client, department_user, late_for_a_return):
    post_return(client, department_user, late_for_a_return)
    assert not ReturnRequest.objects.exists()


def test_the_top_of_the_page_points_to_the_action(client, department_user, late_for_a_return):
    page = post_return(client, department_user, late_for_a_return).content.decode()
    assert "未保存：原因见下方对应的操作。" in page


def test_an_action_no_longer_offered_is_refused_at_the_top_of_the_page(client, department_user, assigned_ticket):
    services.ticket_sign(ticket=assigned_ticket, by=department_user)
    client.force_login(department_user)
    response = client.post(reverse("ticket_action", args=[assigned_ticket.reference, "sign"]), follow=True)
    page = response.content.decode()
    assert response.redirect_chain and "data-refused" not in page
    assert 'class="msg' in page


def test_an_invalid_form_opens_its_panel_for_the_scroll(client, department_user, assigned_ticket):
    page = post_return(client, department_user, assigned_ticket, reason="").content.decode()
    assert 'id="action-return_to_dispatch" data-refused open' in page
