"""Extension requests (延期)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department


class ExtensionRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="extension_requests")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    # The assignment whose due date it would move: the lead's (and the ticket's), or a
    # co-handler's feedback date. Null only for requests recorded before assignments had roles.
    assignment = models.ForeignKey("tickets.Assignment", null=True, blank=True, on_delete=models.PROTECT, related_name="extension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    current_due_date = models.DateField(_("current due date"))
    requested_due_date = models.DateField(_("requested due date"))
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=Q(state="pending"), name="one_pending_extension_per_assignment")
        ]
        indexes = [
            # Supervision page: pending requests, oldest first.
            models.Index(fields=["created_at"], name="extension_pending", condition=Q(state="pending")),
        ]
