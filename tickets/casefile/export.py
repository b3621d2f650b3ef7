"""Case file exports (一企一档导出): a company's file as an xlsx workbook and a printable page,
built in the background for one person and holding only what that person may see (DESIGN.md §6).

`build_case_file_export` is idempotent: it claims the export with a conditional UPDATE
(pending → running), so a second run, a duplicate message or a re-queue from the status page is a
no-op. The claim's `started_at` is its lease token: every later write is conditional on it, so a
build whose lease ran out and was taken over writes nothing more. Failures are recorded on the
export (state "failed", error text) and never re-raised, so the task is not retried endlessly.
The queries are bounded: their number does not depend on the number of tickets or events.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from tickets import background, notifications
from tickets.casefile import selectors
from tickets.casefile.documents import local, render_printable, write_workbook
from tickets.models import CaseFileExport, Notification

logger = logging.getLogger(__name__)

State = CaseFileExport.State

# A pending export whose task has not started after this long was probably lost (broker down):
# the status page queues it again.
REQUEUE_AFTER = datetime.timedelta(minutes=2)
# A build holds its export this long after its last progress (each step renews the lease); if its
# worker died, another build may then take it over.
BUILD_LEASE = datetime.timedelta(minutes=10)


class ExportRefused(Exception):
    """The requester may no longer see the company: nothing is built."""


class _LeaseLost(Exception):
    """Another build took the export over after this one's lease ran out."""


# Errors are stored as "Type: message" for the log and the admin; only our own refusals are
# written for the requester, anything else may hold internals (SQL errors, storage paths).
_REFUSED_PREFIX = f"{ExportRefused.__name__}: "


def _error_text(error):
    return f"{type(error).__name__}: {error}"


def shown_error(export):
    """The failure text the requester may read: a refusal's own message, else None."""
    if export.state == State.FAILED and export.error.startswith(_REFUSED_PREFIX):
        return export.error[len(_REFUSED_PREFIX) :]
    return None


# --------------------------------------------------------------------------------------------
# queueing
# --------------------------------------------------------------------------------------------


def queue_build(export_id):
    """Ask a worker to build the export. If the broker cannot be reached the export stays
    pending (the status page says so and queues it again later). Returns True if queued."""
    return background.enqueue(
        "tickets.build_case_file_export", export_id, failure="Could not queue case file export %(args)s; it stays pending"
    )


def is_stale(export, now=None):
    """A pending export nobody started within REQUEUE_AFTER, or a build whose lease ran out
    (its worker died): either should be queued again."""
    now = now or timezone.now()
    if export.state == State.PENDING:
        return export.created_at < now - REQUEUE_AFTER
    return export.state == State.RUNNING and export.started_at is not None and export.started_at < now - BUILD_LEASE


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------


# The claim, lease and failure below serve every export model with these fields (state,
# progress, started_at, error, finished_at): the ticket list's too (tickets.list_export).


def _held(export_id, lease, model=CaseFileExport):
    """The export while this build still holds it (its lease token unchanged)."""
    return model.objects.filter(pk=export_id, state=State.RUNNING, started_at=lease)


def _set_progress(export_id, lease, progress, model=CaseFileExport):
    """Record progress and renew the lease, so a long but live build is not taken over. Returns
    the new lease token; raises _LeaseLost if another build has taken the export over."""
    renewed = timezone.now()
    if not _held(export_id, lease, model).update(progress=progress, started_at=renewed):
        raise _LeaseLost
    return renewed


def _claim(export_id, model=CaseFileExport):
    """Take the export if it is pending or its build's lease ran out. Returns the lease token
    (the claim's started_at), or None if someone else holds it or it is finished."""
    now = timezone.now()
    claimable = Q(state=State.PENDING) | Q(state=State.RUNNING, started_at__lt=now - BUILD_LEASE)
    claimed = model.objects.filter(claimable, pk=export_id).update(state=State.RUNNING, progress=1, started_at=now)
    return now if claimed else None


def build_case_file_export(export_id):
    """Build export `export_id` if it is still pending. Returns True if this call built it."""
    lease = _claim(export_id)
    if lease is None:
        logger.info("Case file export %s is not pending: someone else is building it, or it is done", export_id)
        return False
    saved = []
    try:
        export = CaseFileExport.objects.select_related("enterprise", "requested_by").get(pk=export_id)
        with translation.override(settings.LANGUAGE_CODE):
            data = collect(export)
            lease = _set_progress(export_id, lease, 10)
            workbook = write_workbook(data)
            lease = _set_progress(export_id, lease, 60)
            page = render_printable(data)
            lease = _set_progress(export_id, lease, 80)
            stamp = local(data.generated_at).strftime("%Y%m%d-%H%M")
            base = f"{data.enterprise.credit_code}-{stamp}"
            export.xlsx.save(f"{base}.xlsx", ContentFile(workbook), save=False)
            saved.append(export.xlsx.name)
            export.printable.save(f"{base}.html", ContentFile(page.encode("utf-8")), save=False)
            saved.append(export.printable.name)
            lease = _set_progress(export_id, lease, 90)
            # "Done" and the requester's notification are written together, or neither is.
            with transaction.atomic():
                finished = _held(export_id, lease).update(
                    state=State.DONE,
                    progress=100,
                    xlsx=export.xlsx.name,
                    printable=export.printable.name,
                    error="",
                    finished_at=timezone.now(),
                )
                if finished:
                    _notify_ready(export)
            if not finished:
                raise _LeaseLost
    except _LeaseLost:
        # Our lease ran out and another build took the export over: its state is not ours to write.
        logger.warning("Case file export %s was taken over by another build; this one stops", export_id)
        _delete_files(saved)
        return False
    except ExportRefused as refused:
        logger.info("Case file export %s refused: %s", export_id, refused)
        _fail(export_id, lease, _error_text(refused), saved)
        return False
    except Exception as error:  # noqa: BLE001 — recorded on the export; re-raising would retry forever
        logger.exception("Case file export %s failed", export_id)
        _fail(export_id, lease, _error_text(error), saved)
        return False
    logger.info("Case file export %s built: %s tickets, %s events", export_id, len(data.tickets), len(data.events))
    return True


def _fail(export_id, lease, error, saved, model=CaseFileExport):
    _delete_files(saved)
    _held(export_id, lease, model).update(state=State.FAILED, error=error[:2000], finished_at=timezone.now())


def _delete_files(names):
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001
            logger.warning("Could not delete %s", name, exc_info=True)


def _notify_ready(export):
    user = export.requested_by
    url = reverse("export_status", args=[export.pk])
    values = {"company": export.enterprise.name, "url": settings.SITE_URL + url}
    subject = _("Case file ready: %(company)s") % values
    body = notifications.email_body(_("The case file of %(company)s that you asked for is ready to download: %(url)s") % values)
    notifications.save_and_queue([notifications.message_row(user, Notification.Kind.EXPORT_READY, subject, body, url, timezone.now())])


# --------------------------------------------------------------------------------------------
# what goes in: the case file as the requester may see it now (casefile.selectors)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFileData:
    """What the documents are written from: the requester's case file, read once."""

    export: CaseFileExport
    file: selectors.CaseFile
    generated_at: datetime.datetime

    @property
    def enterprise(self):
        return self.file.enterprise

    @property
    def liaisons(self):
        return self.file.liaisons

    @property
    def tickets(self):
        return self.file.tickets

    @property
    def events(self):
        return self.file.timeline

    @property
    def visits(self):
        return self.file.visits

    @property
    def status_counts(self):
        return self.file.status_counts

    @property
    def contact(self):
        return self.file.contact

    def actor_label(self, event):
        return self.file.actor_label(event)


def collect(export):
    """The company, and the tickets and events the requester may see now (the same read as
    the page's, oldest first and the whole timeline)."""
    generated_at = timezone.now()
    try:
        case_file = selectors.case_file_for_export(export.requested_by, export.enterprise_id, today=timezone.localdate(generated_at))
    except Enterprise.DoesNotExist:
        raise ExportRefused(_("You can no longer see this company.")) from None
    return CaseFileData(export=export, file=case_file, generated_at=generated_at)
