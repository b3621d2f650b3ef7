"""Personal data on the pages, the case-file workbook, the API and the e-mails (DESIGN.md §11):
the company's contact and its people's names in full for those the rule allows, masked for the
others."""

import io

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse

from tickets import personal
from tickets.casefile import export as exports
from tickets.models import CaseFileExport, Notification
from tickets.notifications import sender

PHONE, MASKED_PHONE = "13812341234", "138****1234"
NAME, MASKED_NAME = "张伟", "张*"


@pytest.fixture
def contact_ticket(submit, dispatcher, department):
    from tickets import services

    ticket = submit(contact_name=NAME, contact_phone=PHONE)
    return services.ticket_assign(ticket=ticket, by=dispatcher, department=department)


@pytest.fixture
def company_contact(enterprise):
    enterprise.contact_name, enterprise.contact_phone = NAME, PHONE
    enterprise.save()
    return enterprise


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("role", ["company_user", "liaison", "dispatcher", "department_user"])
def test_the_ticket_page_shows_the_contact_in_full_to_those_who_may_see_it(request, client, contact_ticket, role):
    html = page(client, request.getfixturevalue(role), reverse("ticket_detail", args=[contact_ticket.reference]))
    assert PHONE in html and NAME in html


@pytest.mark.parametrize("role", ["supervisor", "leader", "callback_user"])
def test_the_ticket_page_masks_the_contact_for_other_roles(request, client, contact_ticket, role):
    html = page(client, request.getfixturevalue(role), reverse("ticket_detail", args=[contact_ticket.reference]))
    assert PHONE not in html and MASKED_PHONE in html and f"{MASKED_NAME} {MASKED_PHONE}" in html


def test_the_ticket_page_masks_the_company_users_name_in_the_timeline_for_leadership(client, contact_ticket, company_user, leader):
    html = page(client, leader, reverse("ticket_detail", args=[contact_ticket.reference]))
    assert str(company_user) not in html and personal.mask_name(str(company_user)) in html


def test_the_case_file_page_shows_the_contact_in_full_to_the_company(client, company_contact, company_user, ticket):
    html = page(client, company_user, reverse("enterprise_case_file", args=[company_contact.pk]))
    assert PHONE in html and NAME in html


def test_the_case_file_page_masks_the_contact_for_leadership(client, company_contact, leader, ticket, company_user):
    html = page(client, leader, reverse("enterprise_case_file", args=[company_contact.pk]))
    assert PHONE not in html and MASKED_PHONE in html and str(company_user) not in html


def test_the_case_file_page_masks_the_contact_for_a_department_holding_a_ticket(client, company_contact, department_user, assigned_ticket):
    html = page(client, department_user, reverse("enterprise_case_file", args=[company_contact.pk]))
    assert PHONE not in html and MASKED_PHONE in html


# --- the workbook ------------------------------------------------------------------------------


def _workbook(user, enterprise):
    export = CaseFileExport.objects.create(enterprise=enterprise, requested_by=user)
    exports.build_case_file_export(export.pk)
    export.refresh_from_db()
    with export.xlsx.open("rb") as handle:
        book = openpyxl.load_workbook(io.BytesIO(handle.read()))
    return " ".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell)


def test_the_case_file_workbook_masks_the_contact_and_names_for_leadership(company_contact, leader, ticket, company_user):
    text = _workbook(leader, company_contact)
    assert PHONE not in text and MASKED_PHONE in text and str(company_user) not in text


def test_the_case_file_workbook_shows_the_contact_to_the_company(company_contact, company_user, ticket):
    text = _workbook(company_user, company_contact)
    assert PHONE in text and str(company_user) in text


# --- the API -----------------------------------------------------------------------------------


def test_the_api_case_file_masks_the_contact_for_leadership(client, company_contact, leader, ticket, company_user):
    client.force_login(leader)
    body = client.get(f"/api/enterprises/{company_contact.pk}/").json()
    assert (body["enterprise"]["contact_name"], body["enterprise"]["contact_phone"]) == (MASKED_NAME, MASKED_PHONE)
    assert str(company_user) not in str(body["timeline"])


def test_the_api_case_file_shows_the_contact_to_dispatch(client, company_contact, dispatcher, ticket):
    client.force_login(dispatcher)
    body = client.get(f"/api/enterprises/{company_contact.pk}/").json()
    assert (body["enterprise"]["contact_name"], body["enterprise"]["contact_phone"]) == (NAME, PHONE)


def test_the_api_ticket_timeline_masks_the_company_users_name_for_leadership(client, contact_ticket, leader, company_user):
    client.force_login(leader)
    body = client.get(f"/api/tickets/{contact_ticket.reference}/").json()
    actors = {event["actor"] for event in body["timeline"]}
    assert personal.mask_name(str(company_user)) in actors and str(company_user) not in actors


def test_the_api_ticket_timeline_names_the_company_user_to_the_department_holding_it(client, contact_ticket, department_user, company_user):
    client.force_login(department_user)
    body = client.get(f"/api/tickets/{contact_ticket.reference}/").json()
    assert str(company_user) in {event["actor"] for event in body["timeline"]}


# --- e-mails -----------------------------------------------------------------------------------


def test_no_notification_or_email_carries_the_contacts_phone_or_name(department_user, contact_ticket):
    # The e-mails name the company and the ticket, never its contact: nobody needs masking there.
    sender.send_due_emails()
    texts = [f"{n.subject} {n.body}" for n in Notification.objects.all()] + [f"{m.subject} {m.body}" for m in mail.outbox]
    assert texts and not any(PHONE in text or NAME in text for text in texts)
