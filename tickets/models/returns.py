"""Return requests (退单审核, DESIGN.md §9): a department asks to send a ticket back to dispatch
(the lead) or to be released from its co-handling (a co-handler); dispatch rules on it.

The request is claimed by a conditional update of its state (pending → upheld | overruled), so
that of two dispatchers ruling at once one wins; at most one request per assignment waits for
a ruling (the partial unique constraint). The ticket's own change (the return_to_dispatch
transition, or the end of the co assignment) is made by tickets.services.returns.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department


class ReturnRequest(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a ruling")
        UPHELD = "upheld", _("Upheld")
        OVERRULED = "overruled", _("Overruled")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="return_requests", verbose_name=_("ticket"))
    # The assignment that asks: the lead's (a return) or a co-handler's (a release).
    assignment = models.ForeignKey(
        "tickets.Assignment", on_delete=models.PROTECT, related_name="return_requests", verbose_name=_("assignment")
    )
    # The department that asked (the assignment's): what the overruled-returns figure credits.
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by"))
    reason = models.TextField(_("reason"), max_length=2000)
    suggested_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("suggested department")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("ruled by")
    )
    decided_at = models.DateTimeField(_("ruled at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the ruling"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")
        constraints = [
            models.UniqueConstraint(fields=["assignment"], condition=Q(state="pending"), name="one_pending_return_per_assignment"),
        ]
        indexes = [
            # The dispatch queue's section and the menu's count: pending requests, oldest first.
            models.Index(fields=["created_at"], name="return_pending", condition=Q(state="pending")),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.department} ({self.get_state_display()})"

    @property
    def is_release(self):
        """A co-handler's request to be released, not a return of the ticket."""
        return self.assignment.is_co
