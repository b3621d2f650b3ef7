"""The timeline ({% timeline %}, tickets/templatetags/timeline.py): each event's heading and sentence,
what it escapes, and what it links (issue 18: written in Python for speed, saying what the
template said)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from tickets import services
from tickets.models import EventKind, TicketEvent
from tickets.templatetags.timeline import SENTENCES, _Reader, event_html

pytestmark = pytest.mark.django_db


def _html(event, *, full_contact=True, show_ticket=False, **reader):
    reader = _Reader(
        full_contact=full_contact,
        assignment_departments=reader.get("assignment_departments", {}),
        rating_review=reader.get("rating_review"),
        visible_references=reader.get("visible_references", ()),
    )
    with translation.override("en"):
        return event_html(event, reader, show_ticket=show_ticket, download_prefix="/attachments/")


def test_an_assignment_says_to_which_department_and_by_when(assigned_ticket, department):
    event = assigned_ticket.events.get(kind=EventKind.ASSIGN)
    html = _html(event)
    assert f"To {department.name}, due {assigned_ticket.due_date.isoformat()}." in html
    assert html.startswith('<li class="ev ev-assign">')


def test_a_department_name_in_the_events_data_is_escaped(assigned_ticket):
    event = assigned_ticket.events.get(kind=EventKind.ASSIGN)
    event.data = {**event.data, "department": "<script>alert(1)</script>"}
    html = _html(event)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_note_keeps_its_line_breaks_and_is_escaped(ticket, company_user):
    event = services.ticket_comment(ticket=ticket, by=company_user, text="第一行 <b>\n第二行")
    html = _html(TicketEvent.objects.get(pk=event.pk))
    assert '<div class="ev-note">第一行 &lt;b&gt;<br>第二行</div>' in html


def test_a_company_users_name_is_masked_for_a_reader_who_may_not_see_the_contact(ticket, company_user):
    event = ticket.events.get(kind=EventKind.SUBMITTED)
    assert str(company_user) in _html(event, full_contact=True)
    assert str(company_user) not in _html(event, full_contact=False)


def test_the_case_file_links_each_event_to_its_ticket(ticket):
    event = ticket.events.select_related("ticket").get(kind=EventKind.SUBMITTED)
    html = _html(event, show_ticket=True)
    assert f'<a href="{reverse("ticket_detail", args=[ticket.reference])}">{ticket.reference}</a>' in html
    assert ticket.reference not in _html(event)


def test_an_attachment_is_listed_with_its_download_link_and_size(ticket, company_user):
    files = [SimpleUploadedFile("现场说明.txt", "积水情况说明".encode() * 100, content_type="text/plain")]
    created = services.ticket_comment(ticket=ticket, by=company_user, text="补充材料", files=files)
    event = TicketEvent.objects.prefetch_related("attachments").get(pk=created.pk)
    attachment = event.attachments.get()
    html = _html(event)
    assert f'<a href="{reverse("attachment_download", args=[attachment.pk])}">' in html
    assert "现场说明.txt" in html and "1.8\xa0KB" in html


def test_a_refused_extension_names_the_date_asked_for_and_the_one_that_stays(in_progress_ticket, department_user, dispatcher):
    import datetime

    due = in_progress_ticket.due_date
    request = services.extension_request(
        ticket=in_progress_ticket, by=department_user, requested_due_date=due + datetime.timedelta(days=20), reason="需要协调"
    )
    services.extension_decide(request=request, by=dispatcher, approve=False, note="期限内可以完成")
    event = in_progress_ticket.events.get(kind=EventKind.EXTENSION_REFUSED)
    new = (due + datetime.timedelta(days=20)).isoformat()
    assert f"Asked for {new}; the due date stays {due.isoformat()}." in _html(event)


def test_every_kind_with_a_sentence_is_an_event_kind():
    assert set(SENTENCES) <= set(EventKind.values)


def test_the_ticket_page_shows_its_timeline_through_the_tag(client, dispatcher, assigned_ticket, department):
    client.force_login(dispatcher)
    html = client.get(reverse("ticket_detail", args=[assigned_ticket.reference])).content.decode()
    assert html.count('<li class="ev ev-') == assigned_ticket.events.count()
