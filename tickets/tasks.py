"""Celery tasks: small, idempotent, safe to run twice. Each calls one plain function; the state
it acts on lives in the database. Code that queues one names it (tickets.background), so none of
the modules below imports this one back."""

import logging

from celery import shared_task

from tickets.casefile.export import build_case_file_export as build_export
from tickets.jobs.access import prune_access_log as prune_log
from tickets.jobs.assessment import freeze_last_month as freeze_month_job
from tickets.jobs.mailings import send_case_histories, send_department_digests
from tickets.jobs.sweep import run_sweep
from tickets.jobs.verification import draw_last_month
from tickets.jobs.visits import remind_unvisited
from tickets.list_export import build_ticket_list_export as build_list_export
from tickets.notifications.sender import send_due_emails, send_due_over

logger = logging.getLogger(__name__)


@shared_task(name="tickets.sweep")
def sweep():
    report = run_sweep()
    logger.info("Sweep: %s", report)
    return report


@shared_task(name="tickets.send_notification_emails")
def send_notification_emails():
    sent, failed = send_due_emails()
    if sent or failed:
        logger.info("E-mails: %s sent, %s failed (will retry)", sent, failed)
    return {"sent": sent, "failed": failed}


@shared_task(name="tickets.send_channel")
def send_channel(kind):
    """Send what is due over one channel (sms, wecom, dingtalk): queued after a notification's
    transaction commits, one per channel, so that one provider's trouble never holds up another."""
    sent, failed = send_due_over(kind)
    if sent or failed:
        logger.info("%s: %s sent, %s failed (will retry)", kind, sent, failed)
    return {"sent": sent, "failed": failed}


@shared_task(name="tickets.send_sms")
def send_sms():
    return send_channel("sms")


@shared_task(name="tickets.send_wecom")
def send_wecom():
    return send_channel("wecom")


@shared_task(name="tickets.send_dingtalk")
def send_dingtalk():
    return send_channel("dingtalk")


@shared_task(name="tickets.department_digests")
def department_digests():
    return send_department_digests()


@shared_task(name="tickets.case_history_mailing")
def case_history_mailing():
    return send_case_histories()


@shared_task(name="tickets.build_case_file_export")
def build_case_file_export(export_id):
    return build_export(export_id)


@shared_task(name="tickets.build_ticket_list_export")
def build_ticket_list_export(export_id):
    return build_list_export(export_id)


@shared_task(name="tickets.draw_verification_calls")
def draw_verification_calls():
    drawn = draw_last_month()
    if drawn:
        logger.info("Verification calls drawn: %s", drawn)
    return drawn


@shared_task(name="tickets.prune_access_log")
def prune_access_log():
    deleted = prune_log()
    if deleted:
        logger.info("Access log: %s rows past ACCESS_LOG_RETENTION_DAYS deleted", deleted)
    return {"deleted": deleted}


@shared_task(name="tickets.freeze_last_month")
def freeze_last_month():
    done = freeze_month_job()
    logger.info("Assessment freeze: %s", done)
    return done


@shared_task(name="tickets.remind_liaison_visits")
def remind_liaison_visits():
    done = remind_unvisited()
    if done["reminded"]:
        logger.info("Liaison visit reminders: %s", done)
    return done
