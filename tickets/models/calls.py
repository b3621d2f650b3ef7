"""Verification calls (回访核实, DESIGN.md §9): each month a reproducible sample of the tickets the
company closed online, or that closed without an answer, is drawn for a call; the caller records
whether the company confirms. (A follow-up call on a resolved ticket is the ticket's own
confirm / reopen with channel "phone": it needs no model of its own.)"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VerificationCall(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("To call")
        CONFIRMED = "confirmed", _("Confirmed by the company")
        DISAGREED = "disagreed", _("Company disagrees")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="verification_calls", verbose_name=_("ticket"))
    # The month whose closed tickets the sample was drawn from: its first day.
    month = models.DateField(_("month"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("caller")
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    said = models.TextField(_("what the company said"), blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    class Meta:
        ordering = ["month", "id"]
        verbose_name = _("verification call")
        verbose_name_plural = _("verification calls")
        constraints = [
            # Drawing a month twice stores nothing twice (tickets.services.calls.verification_draw).
            models.UniqueConstraint(fields=["month", "ticket"], name="one_verification_call_per_month_and_ticket"),
        ]
        indexes = [
            # The callers' list: a month's calls, pending first; the menu's count of pending calls.
            models.Index(fields=["month", "state"], name="verification_month_state"),
            models.Index(fields=["month"], name="verification_pending", condition=Q(state="pending")),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.ticket_id} {self.state}"

    @property
    def is_pending(self):
        return self.state == self.State.PENDING
