"""A ticket's append-only timeline and its attachments."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models.states import state_label


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGN = "assign", _("Assigned")
    REJECT = "reject", _("Rejected")
    SIGN = "sign", _("Signed for")
    RETURN = "return_to_dispatch", _("Returned to dispatch")
    RESOLVE = "resolve", _("Resolved")
    CONFIRM = "confirm", _("Confirmed and closed")
    REOPEN = "reopen", _("Reopened")
    AUTO_CLOSE = "auto_close", _("Closed automatically")
    SUPERVISION = "supervision", _("Supervision raised")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")
    EXTENSION_WITHDRAWN = "extension_withdrawn", _("Extension request withdrawn")
    CO_EXTENSION_APPROVED = "co_extension_approved", _("Co-handler's extension approved")
    CO_ASSIGN = "co_assign", _("Co-handling department added")
    CO_SIGN = "co_sign", _("Signed for as co-handler")
    CO_FEEDBACK = "co_feedback", _("Co-handler's feedback")
    CO_END = "co_end", _("Co-handling ended")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURN_UPHELD = "return_upheld", _("Return request upheld")
    RETURN_OVERRULED = "return_overruled", _("Return request overruled")
    RATING_REVIEW_REQUESTED = "rating_review_requested", _("Rating review requested")
    RATING_REVIEW_UPHELD = "rating_review_upheld", _("Rating review upheld")
    RATING_REVIEW_REFUSED = "rating_review_refused", _("Rating review refused")
    CONTACT = "contact", _("Contacted the company")
    # 回访核实: a caller confirmed with the company a ticket closed online or without an answer
    # (a "company disagrees" is a reopen, DESIGN.md §9).
    VERIFICATION_CONFIRMED = "verification_confirmed", _("Verification call: the company confirms")
    COMMENT = "comment", _("Progress note")
    ATTACHMENT = "attachment", _("Attachment added")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ticket events are append-only")

    def delete(self):
        raise TypeError("Ticket events are append-only")


class TicketEvent(models.Model):
    """One entry of a ticket's timeline. Append-only: written once, never edited or deleted."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    kind = models.CharField(_("what"), max_length=30, choices=EventKind.choices)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created")]

    def __str__(self):
        # What happened and when, in the site's time zone (the admin shows it above each timeline row).
        return f"{self.get_kind_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ticket events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ticket events are append-only")

    @property
    def from_state_label(self):
        return state_label(self.from_state)

    @property
    def to_state_label(self):
        return state_label(self.to_state)

    @property
    def actor_label(self):
        if self.actor is None:
            return _("System")
        return str(self.actor)


def attachment_path(instance, filename):
    # A random stored name: the original name is kept in `original_name` and never touches the disk.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(TicketEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name
