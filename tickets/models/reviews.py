"""Rating reviews (评价复核, DESIGN.md §9): the lead department asks supervision to review a 不满意
rating it thinks unfair; supervision upholds it (the rating stays on record but leaves the
satisfaction rate) or refuses it (the rating stands). At most one review per ticket."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Department


class RatingReview(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPHELD = "upheld", _("Upheld: not the department's fault")
        REFUSED = "refused", _("Refused: the rating stands")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="rating_reviews")
    # The rating it is about: the reopen event that recorded the 不满意.
    rating_event = models.ForeignKey("tickets.TicketEvent", on_delete=models.PROTECT, related_name="+")
    # The event of the request, whose attachments are the department's evidence.
    request_event = models.ForeignKey("tickets.TicketEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("department"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by"))
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("rating review")
        verbose_name_plural = _("rating reviews")
        constraints = [models.UniqueConstraint(fields=["ticket"], name="one_rating_review_per_ticket")]
        indexes = [
            # Supervision's list of pending reviews, oldest first (and the count in its menu).
            models.Index(fields=["created_at"], name="rating_review_pending", condition=Q(state="pending")),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.state}"

    @property
    def is_pending(self):
        return self.state == self.State.PENDING
