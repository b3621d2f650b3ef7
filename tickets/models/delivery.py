"""Reminders, notifications and their deliveries, and the claims of the scheduled mailings (DESIGN.md §4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
        CONTACT_DUE_SOON = "contact_due_soon", _("First contact due soon")
        CONTACT_OVERDUE = "contact_overdue", _("No first contact in time")
        OUTCOME_REVIEW = "outcome_review", _("Not feasible: review date reached")

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


class AssignmentReminder(models.Model):
    """A decision of the sweep about one co assignment (协办), keyed (assignment, kind, due date)
    and claimed like Reminder: co assignment not signed in time, feedback due soon, feedback late."""

    class Kind(models.TextChoices):
        CO_UNSIGNED = "co_unsigned", _("Co-handler has not signed in time")
        CO_FEEDBACK_DUE_SOON = "co_feedback_due_soon", _("Co-handler's feedback due soon")
        CO_FEEDBACK_LATE = "co_feedback_late", _("Co-handler's feedback late")

    assignment = models.ForeignKey("tickets.Assignment", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    due_date = models.DateField(help_text=_("The date the reminder refers to."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("co-handling reminder")
        verbose_name_plural = _("co-handling reminders")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "kind", "due_date"], name="one_assignment_reminder_per_key"),
        ]


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """A message to one person: shown in the app, and delivered over each other channel (e-mail)
    after the transaction that created it commits, one Delivery row per channel."""

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
        CO_ASSIGNED = "co_assigned", _("Co-handling requested")
        CO_FEEDBACK_GIVEN = "co_feedback_given", _("Co-handler's feedback")
        CO_ENDED = "co_ended", _("Co-handling ended")
        CO_UNSIGNED = "co_unsigned", _("Co-handling not signed in time")
        CO_FEEDBACK_DUE_SOON = "co_feedback_due_soon", _("Co-handling feedback due soon")
        CO_FEEDBACK_LATE = "co_feedback_late", _("Co-handling feedback late")
        CONTACT_DUE_SOON = "contact_due_soon", _("First contact due soon")
        CONTACT_OVERDUE = "contact_overdue", _("No first contact in time")
        RETURN_REQUESTED = "return_requested", _("Return requested")
        RETURN_RULED = "return_ruled", _("Return request ruled")
        OUTCOME_REVIEW_DUE = "outcome_review_due", _("Not feasible: time to look again")
        RATING_REVIEW_REQUESTED = "rating_review_requested", _("Rating review requested")
        RATING_REVIEW_DECIDED = "rating_review_decided", _("Rating review decided")
        DIGEST = "digest", _("Daily digest")
        CASE_HISTORY = "case_history", _("Monthly case history")
        EXPORT_READY = "export_ready", _("Export ready")
        VERIFICATION_DUE = "verification_due", _("Verification calls due")
        BULLETIN = "bulletin", _("Monthly bulletin")
        VISITS_DUE = "visits_due", _("Company visits due this quarter")

    # Indexed by notification_inbox (recipient first): no index of its own.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient"), db_index=False
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

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
        ]

    def __str__(self):
        return self.subject


class DeliveryQuerySet(models.QuerySet):
    def due(self, channel, now):
        """What the sender of `channel` may send now (index delivery_due)."""
        return self.filter(channel=channel, status__in=Delivery.WAITING, next_attempt_at__lte=now)


class Delivery(models.Model):
    """A notification's delivery over one channel (DESIGN.md §12): its own status, attempts and
    last error, retried with backoff by the channel's sender (tickets.notifications.sender). The
    outbox writes one per notification and channel with the notification itself."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, gave up")
        NO_ADDRESS = "no_address", _("No address to send to")
        NOT_SENT = "not_sent", _("Not sent")

    # The statuses the sender still works on.
    WAITING = (Status.PENDING, Status.FAILED)

    # Indexed by the unique constraint below (notification first): no index of its own.
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries", db_index=False, verbose_name=_("notification")
    )
    channel = models.CharField(pgettext_lazy("delivery", "channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(pgettext_lazy("delivery", "status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    # What the provider called the message it accepted (Tencent's SerialNo, WeCom's msgid, DingTalk's
    # task_id); empty for e-mail.
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True, default="", db_default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="one_delivery_per_channel")]
        indexes = [
            # The sender's poll: Delivery.objects.due(channel, now).order_by("next_attempt_at"),
            # which claims the rows still waiting (pending, or failed and due to be retried); the
            # sent and given-up rows, nearly all of them, stay out of the index.
            models.Index(fields=["channel", "next_attempt_at"], name="delivery_due", condition=Q(status__in=["pending", "failed"])),
        ]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.get_status_display()}"


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
