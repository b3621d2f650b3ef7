"""A person's notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tickets.models import Notification
from tickets.selectors import notifications as selectors
from tickets.web.pagination import _paginate


@login_required
def notification_list(request):
    unread_only = bool(request.GET.get("unread"))
    notes = selectors.notification_list(request.user, unread_only=unread_only)
    return render(request, "tickets/notification_list.html", {"page": _paginate(request, notes), "unread_only": unread_only})


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notification read and go to what it is about."""
    note = selectors.notification_to_open(request.user, pk)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(note.url or "notification_list")


@login_required
@require_POST
def notification_read_all(request):
    count = selectors.visible_notifications(request.user).unread().update(read_at=timezone.now())
    messages.success(
        request, ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.", count) % {"count": count}
    )
    return redirect("notification_list")
