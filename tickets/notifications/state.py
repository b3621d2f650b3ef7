"""Each channel's state as the admin shows it (DESIGN.md §12): off ("not configured") when its
variables are not set, on, or failing — its provider refuses or does not answer — with the last
error, and its deliveries counted per status. A fixed number of queries whatever the rows."""

from django.db.models import Count, Max
from django.utils.translation import gettext as _

from tickets.models import Delivery
from tickets.notifications.channels import CHANNELS

Status = Delivery.Status
OFF, ON, FAILING = "off", "on", "failing"


def channel_states():
    """[{kind, label, provider, state, state_label, last_error, counts: {status: n}}, …] in CHANNELS' order."""
    counts = {}
    for row in Delivery.objects.order_by().values("channel", "status").annotate(n=Count("id")):
        counts.setdefault(row["channel"], {})[row["status"]] = row["n"]
    # The latest delivery each channel attempted: failing if it failed.
    attempted = Delivery.objects.order_by().filter(attempts__gt=0, status__in=[Status.SENT, Status.FAILED, Status.GAVE_UP])
    latest_ids = [row["last"] for row in attempted.values("channel").annotate(last=Max("id"))]
    latest = {d.channel: d for d in Delivery.objects.filter(pk__in=latest_ids).only("channel", "status", "last_error")}
    states = []
    for kind, channel in CHANNELS.items():
        last = latest.get(kind)
        if not channel.is_configured:
            state, label = OFF, _("Off: not configured")
        elif last is not None and last.status != Status.SENT:
            state, label = FAILING, _("Failing")
        else:
            state, label = ON, _("On")
        states.append(
            {
                "kind": kind,
                "label": Delivery.Channel(kind).label,
                "provider": channel.provider if kind != Delivery.Channel.EMAIL else _("Django's e-mail backend (EMAIL_URL)"),
                "state": state,
                "state_label": label,
                "last_error": last.last_error if state == FAILING and last is not None else "",
                "counts": [(Status(status).label, counts.get(kind, {}).get(status, 0)) for status in Status.values],
            }
        )
    return states
