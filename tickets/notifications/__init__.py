"""Notifications: who is told what, the message texts, and their delivery.

    texts        the subject and body of each kind, system notes (the site's language)
    recipients   who is told about each kind: the one table, per ticket or for a whole run
    outbox       creating the rows and their deliveries in the action's transaction; queueing
                 delivery after commit
    channels/    the delivery channels (email), one module each, and their registry
    sender       sending what is due over a channel: claims, leases, retries with backoff

Rows are created inside the transaction that caused them; sending is queued only after that
transaction commits, and a broker that is down never fails the action.
"""

from .outbox import (
    build,
    emails_suppressed,
    message_row,
    notify,
    queue_after_commit,
    rows_for,
    save_and_queue,
    waits_for_delivery,
)
from .recipients import RECIPIENTS, Audience, recipients_for
from .sender import retry_now, send_due, send_due_emails
from .texts import FACT_COLUMNS, Composer, email_body, facts_from_row, in_app_text, in_site_language, system_note, ticket_facts

__all__ = [
    "FACT_COLUMNS", "RECIPIENTS", "Audience", "Composer", "build", "email_body", "emails_suppressed", "facts_from_row", "in_app_text",
    "in_site_language", "message_row", "notify", "queue_after_commit", "recipients_for", "retry_now", "rows_for",
    "save_and_queue", "send_due", "send_due_emails", "system_note", "ticket_facts", "waits_for_delivery",
]  # fmt: skip
