"""Each company's QR code: drawn on the server, it opens the submission page with the company
chosen; a printable page holds it with the company's name."""

import pytest
from django.urls import reverse

from tests.conftest import ROLE_FIXTURES
from tests.web.test_content_security import assert_strict_policy
from tickets import qr


def test_the_qr_code_opens_the_submission_page_with_the_company_chosen(enterprise, settings):
    settings.SITE_URL = "https://qiye.example.gov.cn"
    assert qr.submission_url(enterprise.pk) == f"https://qiye.example.gov.cn/tickets/new/?enterprise={enterprise.pk}"


def test_the_qr_code_is_an_svg_without_script_or_style(enterprise):
    svg = qr.submission_qr_svg(enterprise.pk, label='<b>"x"</b>')
    assert svg.startswith("<svg ") and "<path" in svg
    assert "<script" not in svg and "style=" not in svg and "<b>" not in svg


def test_the_case_file_shows_the_qr_code_and_links_the_printable_page(client, liaison, enterprise):
    client.force_login(liaison)
    response = client.get(reverse("enterprise_case_file", args=[enterprise.pk]))
    page = response.content.decode()
    assert "<svg " in page and reverse("enterprise_qr", args=[enterprise.pk]) in page
    assert_strict_policy(response)


def test_the_printable_page_names_the_company(client, liaison, enterprise):
    client.force_login(liaison)
    response = client.get(reverse("enterprise_qr", args=[enterprise.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert enterprise.name in page and "<svg " in page and f"?enterprise={enterprise.pk}" in page


SEES_THE_COMPANY = {"company", "liaison", "dispatcher", "supervisor", "leader", "admin", "callback"}


@pytest.mark.parametrize("role", sorted(ROLE_FIXTURES))
def test_each_role_opens_the_printable_page_only_if_it_sees_the_company(request, client, role, enterprise):
    client.force_login(request.getfixturevalue(ROLE_FIXTURES[role]))
    response = client.get(reverse("enterprise_qr", args=[enterprise.pk]))
    assert response.status_code == (200 if role in SEES_THE_COMPANY else 404)


def test_the_printable_page_needs_a_login(client, enterprise):
    response = client.get(reverse("enterprise_qr", args=[enterprise.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_submission_page_needs_a_login_with_the_company_in_the_link(client, enterprise):
    response = client.get(reverse("ticket_new") + f"?enterprise={enterprise.pk}")
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_liaison_finds_the_company_chosen_on_the_submission_page(client, liaison, enterprise):
    client.force_login(liaison)
    response = client.get(reverse("ticket_new") + f"?enterprise={enterprise.pk}")
    assert response.context["form"]["enterprise"].value() == str(enterprise.pk)


def test_a_company_s_user_submits_for_its_own_company_whatever_the_link_says(client, company_user, other_enterprise):
    client.force_login(company_user)
    response = client.get(reverse("ticket_new") + f"?enterprise={other_enterprise.pk}")
    assert response.status_code == 200 and "enterprise" not in response.context["form"].fields
    assert other_enterprise.name not in response.content.decode()


def test_a_liaison_is_not_offered_a_company_they_do_not_look_after(client, liaison, other_enterprise):
    client.force_login(liaison)
    response = client.get(reverse("ticket_new") + f"?enterprise={other_enterprise.pk}")
    assert other_enterprise.name not in response.content.decode()
