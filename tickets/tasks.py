"""Celery tasks: small, idempotent, safe to run twice. Each calls one plain function; the state
it acts on lives in the database."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="tickets.sweep")
def sweep():
    from .sweep import run_sweep

    report = run_sweep()
    logger.info("Sweep: %s", report)
    return report


@shared_task(name="tickets.send_notification_emails")
def send_notification_emails():
    from .notifications import send_due_emails

    sent, failed = send_due_emails()
    if sent or failed:
        logger.info("E-mails: %s sent, %s failed (will retry)", sent, failed)
    return {"sent": sent, "failed": failed}


@shared_task(name="tickets.department_digests")
def department_digests():
    from .mailings import send_department_digests

    return send_department_digests()


@shared_task(name="tickets.case_history_mailing")
def case_history_mailing():
    from .mailings import send_case_histories

    return send_case_histories()


@shared_task(name="tickets.build_case_file_export")
def build_case_file_export(export_id):
    from .exports import build_case_file_export as build

    return build(export_id)
