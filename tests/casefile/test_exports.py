"""Case file exports: built in the background for the person who asked, holding only what that
person may see (DESIGN.md §6), idempotent, failing visibly, with bounded queries."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from tickets import services, tasks
from tickets.casefile import export as exports
from tickets.models import CaseFileExport, Notification, TicketEvent

State = CaseFileExport.State


def request_export(client, user, enterprise, capture):
    """POST the export button as `user`, running the queued build (eager Celery) on commit."""
    client.force_login(user)
    with capture(execute=True):
        response = client.post(reverse("export_request", args=[enterprise.pk]))
    return response


def workbook_of(export):
    export.refresh_from_db()
    with export.xlsx.open("rb") as handle:
        return openpyxl.load_workbook(io.BytesIO(handle.read()))


def column(sheet, index=1):
    return [row[index - 1] for row in sheet.iter_rows(min_row=2, values_only=True)]


def new_export(user, enterprise, **fields):
    return CaseFileExport.objects.create(enterprise=enterprise, requested_by=user, **fields)


# --- building ---------------------------------------------------------------------------------


def test_company_export_is_built_and_has_three_sheets_with_its_tickets(
    client, company_user, closed_ticket, submit, django_capture_on_commit_callbacks
):
    second = submit(title="用工招聘难")
    response = request_export(client, company_user, company_user.enterprise, django_capture_on_commit_callbacks)

    export = CaseFileExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("export_status", args=[export.pk])
    export.refresh_from_db()
    assert (export.state, export.progress, export.requested_by) == (State.DONE, 100, company_user)
    assert export.finished_at is not None
    book = workbook_of(export)
    assert book.sheetnames == ["企业档案", "诉求清单", "办理记录", "走访记录"]
    assert sorted(column(book["诉求清单"])) == sorted([closed_ticket.reference, second.reference])
    assert len(column(book["办理记录"])) == TicketEvent.objects.filter(ticket__enterprise=company_user.enterprise).count()
    assert book["企业档案"]["A1"].value == company_user.enterprise.name


def test_workbook_headers_are_chinese_bold_and_frozen(company_user, closed_ticket):
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    sheet = workbook_of(export)["诉求清单"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["诉求编号", "标题", "诉求类别", "办理状态"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["D"].width


def test_workbook_dates_are_naive_shanghai_datetimes(company_user, closed_ticket):
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    sheet = workbook_of(export)["诉求清单"]
    headers = [cell.value for cell in sheet[1]]
    row = next(sheet.iter_rows(min_row=2, values_only=True))
    submitted = row[headers.index("提交时间")]
    shanghai = closed_ticket.submitted_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert isinstance(submitted, datetime.datetime) and submitted.tzinfo is None
    assert submitted == shanghai.replace(tzinfo=None, microsecond=0)
    assert row[headers.index("办理期限")] == datetime.datetime.combine(closed_ticket.due_date, datetime.time())
    assert row[headers.index("办理状态")] == "已销号"


def test_a_title_that_looks_like_a_formula_stays_text(company_user, submit):
    submit(title='=HYPERLINK("http://evil.example","点我")')
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    cell = workbook_of(export)["诉求清单"]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_department_export_holds_only_tickets_its_department_may_see(
    client, department_user, assigned_ticket, submit, django_capture_on_commit_callbacks
):
    not_ours = submit(title="未交办的诉求")
    request_export(client, department_user, assigned_ticket.enterprise, django_capture_on_commit_callbacks)

    export = CaseFileExport.objects.get()
    book = workbook_of(export)
    assert column(book["诉求清单"]) == [assigned_ticket.reference]
    assert not_ours.reference not in column(book["办理记录"], 2)
    assert set(column(book["办理记录"], 2)) == {assigned_ticket.reference}


def test_requester_is_told_in_the_app_when_it_is_ready(company_user, ticket):
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    note = Notification.objects.get(recipient=company_user, kind=Notification.Kind.EXPORT_READY)
    assert note.url == reverse("export_status", args=[export.pk])
    assert company_user.enterprise.name in note.subject


def test_building_twice_does_not_rebuild(company_user, ticket):
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is True
    export.refresh_from_db()
    first = (export.xlsx.name, export.printable.name, export.finished_at)

    assert tasks.build_case_file_export(export.pk) is False
    export.refresh_from_db()
    assert (export.xlsx.name, export.printable.name, export.finished_at) == first
    assert Notification.objects.filter(kind=Notification.Kind.EXPORT_READY).count() == 1


def test_an_export_being_built_elsewhere_is_left_alone(company_user, ticket):
    export = new_export(company_user, company_user.enterprise, state=State.RUNNING, progress=40)
    assert exports.build_case_file_export(export.pk) is False
    export.refresh_from_db()
    assert (export.state, export.progress, export.xlsx.name) == (State.RUNNING, 40, "")


def test_a_failure_is_recorded_and_shown(client, company_user, ticket, monkeypatch, caplog):
    def broken(data):
        raise RuntimeError("磁盘已满 disk full")

    monkeypatch.setattr(exports, "render_printable", broken)
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is False  # not re-raised: no endless retries

    export.refresh_from_db()
    assert export.state == State.FAILED and "disk full" in export.error
    assert "disk full" in caplog.text  # the details are in the log (and the admin) ...
    assert not export.xlsx and not export.printable
    client.force_login(company_user)
    page = client.get(reverse("export_status", args=[export.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The export failed. Please try again" in page
    assert "disk full" not in page and "RuntimeError" not in page  # ... never on the user's page
    assert 'http-equiv="refresh"' not in page
    assert client.get(reverse("export_xlsx", args=[export.pk])).status_code == 404


def test_a_refusal_is_shown_in_its_own_words(client, liaison, ticket):
    export = new_export(liaison, ticket.enterprise)
    ticket.enterprise.liaisons.remove(liaison)
    exports.build_case_file_export(export.pk)
    ticket.enterprise.liaisons.add(liaison)  # the status page is shown only to those who see the company

    client.force_login(liaison)
    page = client.get(reverse("export_status", args=[export.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override(django_settings.LANGUAGE_CODE):  # written when it was built, in the site's language
        refusal = translation.gettext("You can no longer see this company.")
    assert refusal in page
    assert "ExportRefused" not in page and "The export failed" not in page


def test_a_failure_after_the_files_were_written_leaves_no_file_and_no_done_state(company_user, ticket, monkeypatch, settings):
    def broken(export):
        raise RuntimeError("notification store unavailable")

    monkeypatch.setattr(exports, "_notify_ready", broken)
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)

    export.refresh_from_db()
    assert export.state == State.FAILED and not export.xlsx
    private = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    assert not [p for p in private.rglob("*") if p.is_file()]


def test_a_ticket_submitted_while_the_export_reads_is_left_out_whole(company_user, ticket, submit, monkeypatch):
    """Tickets and events are two reads: a ticket submitted between them must not bring its
    events without itself (that broke the printable page)."""
    read_events = TicketEvent.objects.filter
    late = []

    def filter_after_a_submission(*args, **kwargs):
        if not late:
            late.append(submit(title="读取期间提交的诉求"))
        return read_events(*args, **kwargs)

    monkeypatch.setattr(TicketEvent.objects, "filter", filter_after_a_submission)
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is True
    monkeypatch.undo()

    assert late
    book = workbook_of(export)
    assert column(book["诉求清单"]) == [ticket.reference]
    assert set(column(book["办理记录"], 2)) == {ticket.reference}
    assert len(column(book["办理记录"])) == TicketEvent.objects.filter(ticket=ticket).count()


def test_query_count_does_not_grow_with_the_number_of_tickets(dispatcher, department, company_user, submit):
    def build_count():
        export = new_export(company_user, company_user.enterprise)
        with CaptureQueriesContext(connection) as queries:
            assert exports.build_case_file_export(export.pk)
        return len(queries)

    for n in range(3):
        services.ticket_assign(ticket=submit(title=f"诉求{n}"), by=dispatcher, department=department)
    small = build_count()
    for n in range(12):
        services.ticket_assign(ticket=submit(title=f"更多诉求{n}"), by=dispatcher, department=department)
    assert build_count() == small


# --- the build's lease -------------------------------------------------------------------------


def expire_lease(export_id):
    expired = timezone.now() - exports.BUILD_LEASE - datetime.timedelta(seconds=1)
    CaseFileExport.objects.filter(pk=export_id).update(started_at=expired)


def take_over(export_id):
    """What the status page leads to once a build's lease ran out: another build claims the export
    (and is still building it). Returns that build's lease token."""
    expire_lease(export_id)
    lease = exports._claim(export_id)
    assert lease is not None
    return lease


def files_on_disk(settings):
    private = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(p.name for p in private.rglob("*") if p.is_file())


def assert_still_the_new_builds(export, new_lease, settings):
    """The build that lost its claim left no trace: the export is the new build's, running, with
    no files written and nobody told it is ready."""
    export.refresh_from_db()
    assert (export.state, export.progress, export.started_at, export.xlsx.name) == (State.RUNNING, 1, new_lease, "")
    assert files_on_disk(settings) == []
    assert not Notification.objects.filter(kind=Notification.Kind.EXPORT_READY).exists()


def test_a_build_that_lost_its_claim_and_then_fails_leaves_the_new_build_alone(company_user, ticket, monkeypatch):
    leases = []

    def stall_then_break(data):
        leases.append(take_over(data.export.pk))
        raise RuntimeError("worker lost its database connection")

    monkeypatch.setattr(exports, "write_workbook", stall_then_break)
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is False

    export.refresh_from_db()
    # Still the new build's: not failed, not moved on.
    assert (export.state, export.progress, export.started_at, export.error) == (State.RUNNING, 1, leases[0], "")
    assert export.finished_at is None


def test_a_build_that_lost_its_claim_stops_writing(company_user, ticket, monkeypatch, settings):
    write = exports.write_workbook
    leases = []

    def stall(data):
        leases.append(take_over(data.export.pk))
        return write(data)

    monkeypatch.setattr(exports, "write_workbook", stall)
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is False

    assert_still_the_new_builds(export, leases[0], settings)


def test_a_build_that_lost_its_claim_after_writing_its_files_does_not_mark_it_done(company_user, ticket, monkeypatch, settings):
    set_progress = exports._set_progress
    leases = []

    def lose_the_claim_before_done(export_id, lease, progress):
        lease = set_progress(export_id, lease, progress)
        if progress == 90:  # the files are written; "done" comes next
            leases.append(take_over(export_id))
        return lease

    monkeypatch.setattr(exports, "_set_progress", lose_the_claim_before_done)
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is False

    assert_still_the_new_builds(export, leases[0], settings)


def test_the_build_that_took_over_finishes_the_export(company_user, ticket, monkeypatch, settings):
    write = exports.write_workbook
    calls = []

    def stall_while_another_build_runs(data):
        calls.append(data)
        if len(calls) == 1:  # the first build stalls past its lease; a second one takes over and finishes
            expire_lease(data.export.pk)
            assert exports.build_case_file_export(data.export.pk) is True
        return write(data)

    monkeypatch.setattr(exports, "write_workbook", stall_while_another_build_runs)
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is False

    export.refresh_from_db()
    assert (export.state, export.progress, export.error) == (State.DONE, 100, "")
    assert files_on_disk(settings) == sorted([Path(export.xlsx.name).name, Path(export.printable.name).name])
    assert Notification.objects.filter(kind=Notification.Kind.EXPORT_READY).count() == 1


def test_each_step_renews_the_build_lease(company_user, ticket, monkeypatch):
    collect, write = exports.collect, exports.write_workbook
    seen = []

    def started_at(export_id):
        return CaseFileExport.objects.values_list("started_at", flat=True).get(pk=export_id)

    def recording_collect(export):
        seen.append(started_at(export.pk))
        return collect(export)

    def recording_write(data):
        seen.append(started_at(data.export.pk))
        return write(data)

    monkeypatch.setattr(exports, "collect", recording_collect)
    monkeypatch.setattr(exports, "write_workbook", recording_write)
    export = new_export(company_user, company_user.enterprise)
    assert exports.build_case_file_export(export.pk) is True
    claimed, after_collect = seen
    assert after_collect > claimed


# --- pages --------------------------------------------------------------------------------------


def test_case_file_page_offers_the_export_button(client, liaison, ticket):
    client.force_login(liaison)
    page = client.get(reverse("enterprise_case_file", args=[ticket.enterprise_id])).content.decode()
    assert f'action="{reverse("export_request", args=[ticket.enterprise_id])}"' in page


def test_status_page_refreshes_itself_while_pending(client, company_user, ticket):
    export = new_export(company_user, company_user.enterprise)
    client.force_login(company_user)
    page = client.get(reverse("export_status", args=[export.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress class="export-progress" max="100" value="0">' in page


def test_status_page_when_done_links_both_files_and_stops_refreshing(client, company_user, ticket):
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    client.force_login(company_user)
    page = client.get(reverse("export_status", args=[export.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert reverse("export_xlsx", args=[export.pk]) in page
    assert reverse("export_print", args=[export.pk]) in page


def test_xlsx_download_is_an_attachment_named_after_the_company(client, company_user, ticket):
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    client.force_login(company_user)
    response = client.get(reverse("export_xlsx", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert column(book["诉求清单"]) == [ticket.reference]


def test_printable_page_lists_the_ticket_references(client, company_user, closed_ticket, submit):
    second = submit(title="用地审批")
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    client.force_login(company_user)
    response = client.get(reverse("export_print", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    page = b"".join(response.streaming_content).decode()
    assert closed_ticket.reference in page and second.reference in page
    assert "<link" not in page and "<script" not in page


def test_printable_page_escapes_what_users_typed(company_user, submit):
    submit(title="<script>alert(1)</script>")
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    export.refresh_from_db()
    with export.printable.open("rb") as handle:
        page = handle.read().decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_second_click_while_building_shows_the_same_export(client, company_user, ticket, django_capture_on_commit_callbacks):
    client.force_login(company_user)
    first = new_export(company_user, company_user.enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("export_request", args=[company_user.enterprise_id]))
    assert response["Location"] == reverse("export_status", args=[first.pk])
    assert CaseFileExport.objects.count() == 1


# --- broker down, and the safe retry ------------------------------------------------------------


def test_broker_down_leaves_the_export_pending(client, company_user, ticket, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.build_case_file_export, "delay", down)
    response = request_export(client, company_user, company_user.enterprise, django_capture_on_commit_callbacks)
    export = CaseFileExport.objects.get()
    assert response.status_code == 302
    assert export.state == State.PENDING


def test_status_page_requeues_a_pending_export_older_than_two_minutes(client, company_user, ticket):
    export = new_export(company_user, company_user.enterprise, created_at=timezone.now() - datetime.timedelta(minutes=3))
    client.force_login(company_user)
    page = client.get(reverse("export_status", args=[export.pk])).content.decode()
    export.refresh_from_db()
    assert export.state == State.DONE  # eager Celery: queued again and built
    assert reverse("export_xlsx", args=[export.pk]) in page


def test_status_page_says_so_when_a_requeued_export_still_waits(client, company_user, ticket, monkeypatch):
    calls = []

    def down(*args):
        calls.append(args)
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.build_case_file_export, "delay", down)
    export = new_export(company_user, company_user.enterprise, created_at=timezone.now() - datetime.timedelta(minutes=3))
    client.force_login(company_user)
    first = client.get(reverse("export_status", args=[export.pk])).content.decode()
    client.get(reverse("export_status", args=[export.pk]))
    assert len(calls) == 1  # re-queued once, not on every refresh
    assert 'class="warning"' in first and 'http-equiv="refresh"' in first


def test_status_page_says_a_stuck_build_was_queued_again(client, company_user, ticket, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.build_case_file_export, "delay", lambda *args: calls.append(args))
    export = new_export(
        company_user,
        company_user.enterprise,
        state=State.RUNNING,
        started_at=timezone.now() - exports.BUILD_LEASE - datetime.timedelta(seconds=1),
    )
    client.force_login(company_user)
    page = client.get(reverse("export_status", args=[export.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert calls == [(export.pk,)]
    assert "It has been queued again" in page and "request a new one" not in page
    assert 'class="warning"' in page and 'http-equiv="refresh"' in page


def test_a_fresh_pending_export_is_not_requeued(client, company_user, ticket, monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.build_case_file_export, "delay", lambda *args: calls.append(args))
    export = new_export(company_user, company_user.enterprise)
    client.force_login(company_user)
    client.get(reverse("export_status", args=[export.pk]))
    assert calls == []


# --- who sees what ------------------------------------------------------------------------------


def test_another_company_cannot_request_an_export(client, other_company_user, ticket):
    client.force_login(other_company_user)
    response = client.post(reverse("export_request", args=[ticket.enterprise_id]))
    assert response.status_code == 404
    assert not CaseFileExport.objects.exists()


def test_another_company_gets_404_on_someone_elses_export(client, company_user, other_company_user, ticket):
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    client.force_login(other_company_user)
    for name in ("export_status", "export_xlsx", "export_print"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404, name


def test_only_the_requester_sees_an_export_even_among_people_who_see_the_company(client, company_user, liaison, ticket):
    export = new_export(company_user, company_user.enterprise)
    exports.build_case_file_export(export.pk)
    client.force_login(liaison)
    for name in ("export_status", "export_xlsx", "export_print"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404, name


def test_a_liaison_removed_from_the_company_loses_the_export(client, liaison, ticket):
    export = new_export(liaison, ticket.enterprise)
    exports.build_case_file_export(export.pk)
    client.force_login(liaison)
    assert client.get(reverse("export_xlsx", args=[export.pk])).status_code == 200

    ticket.enterprise.liaisons.remove(liaison)
    for name in ("export_status", "export_xlsx", "export_print"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404, name


def test_an_export_queued_before_access_was_lost_is_not_built(liaison, ticket):
    export = new_export(liaison, ticket.enterprise)
    ticket.enterprise.liaisons.remove(liaison)
    exports.build_case_file_export(export.pk)
    export.refresh_from_db()
    assert export.state == State.FAILED and not export.xlsx
    assert export.error


def test_anonymous_is_sent_to_login(client, ticket):
    response = client.post(reverse("export_request", args=[ticket.enterprise_id]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_export_request_needs_post(client, company_user, ticket):
    client.force_login(company_user)
    assert client.get(reverse("export_request", args=[ticket.enterprise_id])).status_code == 405


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "leader", "admin_user"])
def test_city_wide_roles_can_export_any_company(client, role, request, ticket, django_capture_on_commit_callbacks):
    user = request.getfixturevalue(role)
    request_export(client, user, ticket.enterprise, django_capture_on_commit_callbacks)
    export = CaseFileExport.objects.get(requested_by=user)
    assert export.state == State.DONE
    assert column(workbook_of(export)["诉求清单"]) == [ticket.reference]


def test_a_build_whose_worker_died_is_taken_over_after_its_lease(company_user, ticket):
    import datetime

    from django.utils import timezone

    from tickets.casefile import export as exports
    from tickets.models import CaseFileExport

    export = CaseFileExport.objects.create(
        enterprise=company_user.enterprise,
        requested_by=company_user,
        state="running",
        started_at=timezone.now() - exports.BUILD_LEASE - datetime.timedelta(seconds=1),
    )
    assert exports.is_stale(export)
    assert exports.build_case_file_export(export.pk) is True
    export.refresh_from_db()
    assert export.state == "done"


def test_a_running_build_within_its_lease_is_left_alone(company_user, ticket):
    from django.utils import timezone

    from tickets.casefile import export as exports
    from tickets.models import CaseFileExport

    export = CaseFileExport.objects.create(
        enterprise=company_user.enterprise, requested_by=company_user, state="running", started_at=timezone.now()
    )
    assert exports.build_case_file_export(export.pk) is False
