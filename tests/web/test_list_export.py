"""The ticket list's export to xlsx (issue 18 item 2): the filtered list, only what the requester
may see, built in a task with its progress, downloaded by its requester only."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tickets import list_export, services
from tickets.models import AccessLog, TicketListExport

pytestmark = pytest.mark.django_db


@pytest.fixture
def export_as(client, django_capture_on_commit_callbacks):
    """Ask for the export as `user`, the build queued after the commit (in-process in the tests)."""

    def _export(client, user, params=""):
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("ticket_list_export") + params)

    return _export


def sheet_of(client, export):
    response = client.get(reverse("ticket_list_export_xlsx", args=[export.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[cell.value for cell in row] for row in workbook.active.iter_rows()]


def test_the_export_holds_the_filtered_list(client, export_as, dispatcher, department, submit):
    assigned = services.ticket_assign(ticket=submit(title="已交办的诉求"), by=dispatcher, department=department)
    submit(title="待交办的诉求")
    response = export_as(client, dispatcher, "?status=assigned")
    export = TicketListExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ticket_list_export_status", args=[export.pk])
    assert (export.state, export.progress, export.rows) == ("done", 100, 1)
    rows = sheet_of(client, export)
    assert rows[0][:2] == ["诉求编号", "诉求标题"]
    assert [row[0] for row in rows[1:]] == [assigned.reference]


def test_the_export_holds_only_the_tickets_the_requester_may_see(client, export_as, company_user, submit, other_company_user):
    own = submit()
    submit(by=other_company_user, enterprise=other_company_user.enterprise, title="别家企业的诉求")
    export_as(client, company_user)
    rows = sheet_of(client, TicketListExport.objects.get())
    assert [row[0] for row in rows[1:]] == [own.reference]


def test_a_companys_export_has_no_company_column(client, export_as, company_user, ticket):
    export_as(client, company_user)
    header = sheet_of(client, TicketListExport.objects.get())[0]
    assert "企业" not in header and "承办部门" in header


def test_a_departments_export_has_no_department_column(client, export_as, department_user, assigned_ticket):
    export_as(client, department_user)
    header = sheet_of(client, TicketListExport.objects.get())[0]
    assert "承办部门" not in header and "企业" in header


def test_a_title_typed_as_a_formula_stays_text(client, export_as, dispatcher, submit):
    submit(title='=HYPERLINK("http://evil")')
    export_as(client, dispatcher)
    rows = sheet_of(client, TicketListExport.objects.get())
    assert rows[1][1] == '=HYPERLINK("http://evil")'


def test_an_export_with_bad_filters_is_refused_and_nothing_is_made(client, export_as, dispatcher, ticket):
    response = export_as(client, dispatcher, "?submitted_from=2026-05-20&submitted_to=2026-05-01")
    assert response.status_code == 302 and response["Location"].startswith(reverse("ticket_list"))
    assert TicketListExport.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "请先更正列表的筛选条件，未导出任何内容。" in page


def test_a_list_longer_than_the_bound_is_refused_with_a_message(client, export_as, dispatcher, submit, monkeypatch):
    monkeypatch.setattr(list_export, "MAX_ROWS", 1)
    submit(), submit()
    export_as(client, dispatcher)
    export = TicketListExport.objects.get()
    assert export.state == "failed" and not export.xlsx
    assert "缩小" in client.get(reverse("ticket_list_export_status", args=[export.pk])).content.decode()


def test_another_person_cannot_open_or_download_an_export(client, export_as, dispatcher, supervisor, ticket):
    export_as(client, dispatcher)
    export = TicketListExport.objects.get()
    client.force_login(supervisor)
    assert client.get(reverse("ticket_list_export_status", args=[export.pk])).status_code == 404
    assert client.get(reverse("ticket_list_export_xlsx", args=[export.pk])).status_code == 404


def test_the_status_page_shows_the_progress_while_it_is_built(client, export_as, dispatcher, ticket, monkeypatch):
    monkeypatch.setattr(list_export, "queue_build", lambda export_id: True)  # the worker has not started
    export_as(client, dispatcher)
    export = TicketListExport.objects.get()
    html = client.get(reverse("ticket_list_export_status", args=[export.pk])).content.decode()
    assert export.state == "pending" and '<progress class="export-progress" max="100" value="0">' in html
    assert 'http-equiv="refresh"' in html
    assert client.get(reverse("ticket_list_export_xlsx", args=[export.pk])).status_code == 404  # not ready


def test_a_second_click_while_it_is_built_shows_the_same_export(client, export_as, dispatcher, ticket, monkeypatch):
    monkeypatch.setattr(list_export, "queue_build", lambda export_id: True)
    export_as(client, dispatcher, "?status=submitted")
    export_as(client, dispatcher, "?status=submitted")
    assert TicketListExport.objects.count() == 1


def test_building_twice_builds_once(client, export_as, dispatcher, ticket):
    export_as(client, dispatcher)
    export = TicketListExport.objects.get()
    assert list_export.build_ticket_list_export(export.pk) is False
    assert TicketListExport.objects.get().state == "done"


def test_the_download_is_recorded_in_the_access_log(client, export_as, dispatcher, ticket):
    export_as(client, dispatcher)
    sheet_of(client, TicketListExport.objects.get())
    assert AccessLog.objects.filter(user=dispatcher, kind="export", detail="ticket list xlsx").count() == 1


def test_the_list_offers_the_export_with_its_filters(client, export_as, dispatcher, ticket):
    client.force_login(dispatcher)
    html = client.get(reverse("ticket_list"), {"status": "submitted", "page": "1"}).content.decode()
    assert f'action="{reverse("ticket_list_export")}?status=submitted"' in html
