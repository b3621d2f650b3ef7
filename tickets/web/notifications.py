"""A person's notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from enterprises.models import User
from tickets.models import Notification
from tickets.selectors import notifications as selectors
from tickets.web.pagination import _paginate


@login_required
def notification_list(request):
    from tickets.notifications.recipients import kinds_heard_by

    unread_only = bool(request.GET.get("unread"))
    kinds = [(kind, Notification.Kind(kind).label) for kind in kinds_heard_by(request.user)]
    kind = request.GET.get("kind") or None
    if kind is not None and kind not in dict(kinds):
        messages.error(request, _("There is no such kind of notification for you; all kinds are shown."))
        kind = None
    notes = selectors.notification_list(request.user, unread_only=unread_only, kind=kind)
    context = {"page": _paginate(request, notes), "unread_only": unread_only, "kinds": kinds, "kind": kind}
    return render(request, "tickets/notification_list.html", context)


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notification read and go to what it is about."""
    note = selectors.notification_to_open(request.user, pk)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
        selectors.forget_unread_badges([request.user.pk])
    return redirect(note.url or "notification_list")


@login_required
@require_POST
def notification_read_all(request):
    count = selectors.visible_notifications(request.user).unread().update(read_at=timezone.now())
    selectors.forget_unread_badges([request.user.pk])
    messages.success(
        request, ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.", count) % {"count": count}
    )
    return redirect("notification_list")


@login_required
def notification_preferences(request):
    """Each person chooses the channels per kind of notification (DESIGN.md §12): a channel that is
    off or that has no address for the person is shown unavailable; urgent kinds keep at least one
    external channel (a choice that removes all is refused, nothing saved)."""
    from tickets.models import Delivery
    from tickets.notifications import preferences
    from tickets.notifications.channels import CHANNELS
    from tickets.notifications.recipients import kinds_heard_by

    user = request.user
    reachable = preferences.available(user)
    shown = kinds_heard_by(user)  # the kinds this person's role can be told about; the others keep their choice
    refused = []
    current = {kind: {c for c in reachable if preferences.wants(user, kind, c)} for kind in Notification.Kind.values}
    if request.method == "POST":
        chosen = {kind: {c for c in reachable if request.POST.get(f"{kind}:{c}")} if kind in shown else current[kind] for kind in current}
        try:
            stored = preferences.preferences_from(user, chosen)
        except preferences.Refused as refusal:
            refused = refusal.kinds
            labels = "、".join(str(Notification.Kind(kind).label) for kind in refused)
            messages.error(
                request,
                _("Urgent notifications must keep at least one channel besides the site: %(kinds)s. Nothing was saved.")
                % {"kinds": labels},
            )
        else:
            User.objects.filter(pk=user.pk).update(channel_preferences=stored)
            messages.success(request, _("Your notification channels are saved."))
            return redirect("notification_preferences")
    else:
        chosen = current
    columns = []
    for kind, channel in CHANNELS.items():
        if not channel.is_configured:
            why = _("not configured")
        elif not channel.address_of(user):
            why = _("no address on your account")
        else:
            why = ""
        columns.append({"kind": kind, "label": Delivery.Channel(kind).label, "why": why})
    rows = [
        {
            "kind": kind,
            "label": label,
            "urgent": kind in preferences.URGENT,
            "refused": kind in refused,
            "cells": [
                {"name": f"{kind}:{column['kind']}", "on": column["kind"] in chosen[kind], "available": not column["why"]}
                for column in columns
            ],
        }
        for kind, label in Notification.Kind.choices
        if kind in shown
    ]
    return render(request, "tickets/notification_preferences.html", {"columns": columns, "rows": rows})
