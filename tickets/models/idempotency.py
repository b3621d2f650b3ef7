"""Idempotency keys of API submissions."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """A ticket created through the API under a client's Idempotency-Key: a platform that sends
    the same request again (after a timeout, say) gets this ticket back instead of a new one.
    `fingerprint` is a hash of the request, so that reusing a key for another request is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    ticket = models.ForeignKey("tickets.Ticket", null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_ticket_per_idempotency_key")]
