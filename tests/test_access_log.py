"""The access log (issue 15, item 12): who opened which ticket, case file, file, export or report,
when and from where; append-only in the database; pruned after ACCESS_LOG_RETENTION_DAYS; read by
administrators only."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import api_as
from tickets.casefile import export as exports
from tickets.jobs.access import prune_access_log
from tickets.jobs.schedule import PERIODIC_TASKS
from tickets.models import AccessKind, AccessLog, CaseFileExport
from tickets.services import access_record

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def signed_in(user):
    client = Client(REMOTE_ADDR="10.20.30.40")
    client.force_login(user)
    return client


def logged():
    return list(AccessLog.objects.values_list("user__username", "kind", "ticket_id", "enterprise_id", "address", "via_api"))


def test_opening_a_ticket_page_records_who_what_and_from_where(department_user, assigned_ticket):
    assert signed_in(department_user).get(reverse("ticket_detail", args=[assigned_ticket.reference])).status_code == 200
    assert logged() == [("dept", "ticket", assigned_ticket.pk, assigned_ticket.enterprise_id, "10.20.30.40", False)]


def test_a_ticket_one_may_not_see_is_not_logged(other_department_user, assigned_ticket):
    assert signed_in(other_department_user).get(reverse("ticket_detail", args=[assigned_ticket.reference])).status_code == 404
    assert logged() == []


def test_opening_a_ticket_through_the_api_is_logged_as_such(dispatcher, ticket):
    assert api_as(dispatcher).get(f"/api/tickets/{ticket.reference}/").status_code == 200
    assert logged() == [("dispatcher", "ticket", ticket.pk, ticket.enterprise_id, "127.0.0.1", True)]


def test_downloading_an_attachment_records_its_name(submit, company_user, dispatcher):
    ticket = submit(files=[SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")])
    attachment = ticket.attachments.get()
    assert signed_in(dispatcher).get(reverse("attachment_download", args=[attachment.pk])).status_code == 200
    assert api_as(company_user).get(f"/api/attachments/{attachment.pk}/").status_code == 200
    rows = AccessLog.objects.order_by("id").values_list("user__username", "kind", "ticket_id", "detail", "via_api")
    assert list(rows) == [
        ("dispatcher", "attachment", ticket.pk, "营业执照.pdf", False),
        ("company", "attachment", ticket.pk, "营业执照.pdf", True),
    ]


def test_opening_a_case_file_records_the_company(dispatcher, enterprise):
    assert signed_in(dispatcher).get(reverse("enterprise_case_file", args=[enterprise.pk])).status_code == 200
    assert api_as(dispatcher).get(f"/api/enterprises/{enterprise.pk}/").status_code == 200
    assert [row[1:4] for row in logged()] == [("case_file", None, enterprise.pk)] * 2


def test_downloading_an_export_records_the_company_and_the_file(company_user, ticket):
    export = CaseFileExport.objects.create(enterprise=company_user.enterprise, requested_by=company_user)
    exports.build_case_file_export(export.pk)
    client = signed_in(company_user)
    for name in ("export_xlsx", "export_print"):
        response = client.get(reverse(name, args=[export.pk]))
        assert response.status_code == 200
        b"".join(response.streaming_content)
    rows = AccessLog.objects.order_by("id").values_list("kind", "enterprise_id", "detail")
    assert list(rows) == [("export", company_user.enterprise_id, "xlsx"), ("export", company_user.enterprise_id, "print")]


def test_downloading_the_report_records_its_period(leader):
    period = {"start": "2026-03-01", "end": "2026-03-31"}
    assert signed_in(leader).get(reverse("report_xlsx"), period).status_code == 200
    assert api_as(leader).get("/api/reports/", period).status_code == 200
    rows = AccessLog.objects.order_by("id").values_list("kind", "detail", "via_api")
    assert signed_in(leader).get(reverse("report_dashboard"), {**period, "print": "1"}).status_code == 200
    assert signed_in(leader).get(reverse("report_dashboard"), period).status_code == 200  # on screen: not a download
    assert list(rows) == [
        ("report", "xlsx 2026-03-01–2026-03-31", False),
        ("report", "api 2026-03-01–2026-03-31", True),
        ("report", "print 2026-03-01–2026-03-31", False),
    ]


def test_the_address_behind_a_trusted_proxy_is_the_forwarded_one(dispatcher, ticket, settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    settings.AXES_IPWARE_PROXY_COUNT = 0
    client = signed_in(dispatcher)
    client.get(reverse("ticket_detail", args=[ticket.reference]), HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AccessLog.objects.get().address == "203.0.113.7"


def test_the_database_refuses_to_change_a_row(dispatcher):
    access_record(user=dispatcher, kind=AccessKind.TICKET, address="10.0.0.1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE tickets_accesslog SET address = '10.9.9.9'")
    assert AccessLog.objects.get().address == "10.0.0.1"


def test_the_queryset_refuses_to_update():
    with pytest.raises(TypeError):
        AccessLog.objects.update(address="10.9.9.9")


@pytest.mark.postgres
def test_the_database_refuses_to_delete_a_row_younger_than_180_days(dispatcher):
    AccessLog.objects.create(user=dispatcher, kind=AccessKind.TICKET, at=timezone.now() - datetime.timedelta(days=179))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_accesslog")
    assert AccessLog.objects.count() == 1


def test_pruning_deletes_only_rows_past_the_retention_and_twice_is_harmless(dispatcher, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 200
    ages = [365, 201, 199, 10]
    for days in ages:
        AccessLog.objects.create(user=dispatcher, kind=AccessKind.TICKET, at=timezone.now() - datetime.timedelta(days=days))
    assert prune_access_log() == 2
    assert prune_access_log() == 0
    kept = sorted((timezone.now() - at).days for at in AccessLog.objects.values_list("at", flat=True))
    assert kept == [10, 199]


def test_pruning_also_removes_old_sign_in_records(dispatcher, settings):
    from axes.models import AccessFailureLog
    from axes.models import AccessLog as SignInLog

    old = timezone.now() - datetime.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS + 1)
    for model in (SignInLog, AccessFailureLog):
        model.objects.create(username="dispatcher")
        gone = model.objects.create(username="dispatcher")
        model.objects.filter(pk=gone.pk).update(attempt_time=old)
    assert prune_access_log() == 2
    assert SignInLog.objects.count() == AccessFailureLog.objects.count() == 1


def test_a_failed_sign_in_is_kept_in_the_failure_log(db, client):
    from axes.models import AccessFailureLog

    client.post(reverse("login"), {"username": "nobody", "password": "wrong-password"})
    assert AccessFailureLog.objects.filter(username="nobody").exists()


def test_pruning_runs_daily_from_the_schedule():
    assert ("Access log pruning (访问日志清理)", "tickets.prune_access_log") in [(name, task) for name, task, _when in PERIODIC_TASKS]


def test_a_retention_below_180_days_is_refused_at_start():
    import os
    import subprocess
    import sys

    environment = {**os.environ, "ACCESS_LOG_RETENTION_DAYS": "90", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=environment, capture_output=True, text=True)
    assert result.returncode != 0 and "ACCESS_LOG_RETENTION_DAYS must be at least 180" in result.stderr


# --- reading it: administrators only -------------------------------------------------------------


@pytest.fixture
def some_accesses(dispatcher, department_user, assigned_ticket, other_enterprise):
    signed_in(department_user).get(reverse("ticket_detail", args=[assigned_ticket.reference]))
    signed_in(dispatcher).get(reverse("enterprise_case_file", args=[other_enterprise.pk]))
    AccessLog.objects.create(user=dispatcher, kind=AccessKind.TICKET, at=timezone.make_aware(datetime.datetime(2026, 11, 5, 10)))
    return assigned_ticket


def listed(admin_user, query):
    response = signed_in(admin_user).get("/admin/tickets/accesslog/", {"q": query})
    assert response.status_code == 200
    return sorted((row.user.username, row.kind) for row in response.context["cl"].result_list)


def test_the_administrator_finds_accesses_by_user(admin_user, some_accesses):
    assert listed(admin_user, "dept") == [("dept", "ticket")]


def test_the_administrator_finds_accesses_by_ticket(admin_user, some_accesses):
    assert listed(admin_user, some_accesses.reference) == [("dept", "ticket")]


def test_the_administrator_finds_accesses_by_company(admin_user, some_accesses, other_enterprise):
    assert listed(admin_user, other_enterprise.name) == [("dispatcher", "case_file")]


def test_the_administrator_finds_accesses_by_day_and_by_month(admin_user, some_accesses):
    assert listed(admin_user, "2026-11-05") == [("dispatcher", "ticket")]
    assert listed(admin_user, "2026-11") == [("dispatcher", "ticket")]


def test_staff_who_are_not_administrators_cannot_read_it(dispatcher, some_accesses):
    dispatcher.is_staff = True
    dispatcher.save(update_fields=["is_staff"])
    assert signed_in(dispatcher).get("/admin/tickets/accesslog/").status_code == 403


def test_nobody_can_change_or_delete_a_row_in_the_admin(admin_user, some_accesses):
    row = AccessLog.objects.first()
    client = signed_in(admin_user)
    assert client.post(f"/admin/tickets/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()
