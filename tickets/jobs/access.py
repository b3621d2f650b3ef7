"""Pruning the access log: rows older than ACCESS_LOG_RETENTION_DAYS go, in batches (a short lock
each, and a run cut off half-way has done part of the work, which the next run finishes). The
sign-in log and the failed-sign-in log (django-axes) are kept as long, and pruned with it."""

from datetime import timedelta

from axes.models import AccessFailureLog
from axes.models import AccessLog as SignInLog
from django.conf import settings
from django.utils import timezone

from tickets.models import AccessLog

BATCH = 10_000


def prune_access_log(*, now=None) -> int:
    """Deletes the rows older than the retention; the number deleted. Safe to run twice or on two
    workers at once: each deletes what is still there."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    deleted = SignInLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    deleted += AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
    while True:
        ids = list(AccessLog.objects.filter(at__lt=cutoff).order_by("at").values_list("id", flat=True)[:BATCH])
        if not ids:
            return deleted
        deleted += AccessLog.objects.filter(id__in=ids).delete()[0]  # one DELETE: nothing refers to a row
