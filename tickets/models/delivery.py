"""Reminders, notifications and their delivery, and the claims of the scheduled mailings (DESIGN.md §4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from enterprises.models import Department, Enterprise

# --------------------------------------------------------------------------------------------
# Reminders, notifications and mailings (DESIGN.md §4)
# --------------------------------------------------------------------------------------------


class Reminder(models.Model):
    """One decision of the reminder sweep, keyed (ticket, kind, level, due date) so that it is
    taken exactly once: the sweep claims it with INSERT … ON CONFLICT DO NOTHING, and only the
    run whose insert succeeded acts (notifies, raises supervision). The auto-close of a ticket
    nobody answered is claimed by its conditional UPDATE instead (tickets.jobs.sweep)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        UNSIGNED = "unsigned", _("Not signed in time")
        OVERDUE = "overdue", _("Overdue")
        LONG_OVERDUE = "long_overdue", _("Long overdue")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.CharField(max_length=10, blank=True)
    due_date = models.DateField(help_text=_("The date the reminder refers to."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "level", "due_date"], name="one_reminder_per_key"),
        ]


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def emails_due(self, now):
        return self.filter(email_status__in=["pending", "failed"], email_next_attempt_at__lte=now)


class Notification(models.Model):
    """A message to one person: shown in the app, and e-mailed after the transaction that
    created it commits. E-mail failures are retried with backoff and stay visible here."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("New ticket")
        ASSIGNED = "assigned", _("Ticket assigned")
        REJECTED = "rejected", _("Ticket not accepted")
        RETURNED = "returned", _("Ticket returned")
        RESOLVED = "resolved", _("Result to confirm")
        REOPENED = "reopened", _("Ticket reopened")
        CLOSED = "closed", _("Ticket closed")
        SUPERVISED = "supervised", _("Supervision raised")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENSION_DECIDED = "extension_decided", _("Extension decided")
        DUE_SOON = "due_soon", _("Due soon")
        UNSIGNED = "unsigned", _("Not signed in time")
        OVERDUE = "overdue", _("Overdue")
        LONG_OVERDUE = "long_overdue", _("Long overdue")
        AUTO_CLOSED = "auto_closed", _("Closed without an answer")
        DIGEST = "digest", _("Daily digest")
        CASE_HISTORY = "case_history", _("Monthly case history")
        EXPORT_READY = "export_ready", _("Export ready")

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, gave up")
        NO_ADDRESS = "no_address", _("No e-mail address")
        NOT_SENT = "not_sent", _("Not e-mailed")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient"))
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("ticket"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(_("e-mail"), max_length=12, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    email_next_attempt_at = models.DateTimeField(_("next e-mail attempt"), null=True, blank=True, default=timezone.now)
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    email_error = models.TextField(_("last e-mail error"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The notifications page: a person's messages, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The unread count in every page's header.
            models.Index(fields=["recipient"], name="notification_unread", condition=Q(read_at__isnull=True)),
            # The e-mail sender's poll: Notification.objects.emails_due(now).
            models.Index(
                fields=["email_next_attempt_at"], name="notification_email_due", condition=Q(email_status__in=["pending", "failed"])
            ),
        ]

    def __str__(self):
        return self.subject


class DepartmentDigest(models.Model):
    """Claims one department's daily digest for one day."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "date"], name="one_digest_per_department_day")]


class CaseHistoryMailing(models.Model):
    """Claims one company's monthly case-history mailing for one month (first day of it)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enterprise", "month"], name="one_case_history_per_month")]
