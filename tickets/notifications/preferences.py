"""Which channels a person wants each kind of notification over (DESIGN.md §12): stored on the
person (User.channel_preferences) as the channels switched off per kind, {kind: [channel, …]}, so
that a channel turned on later, or an address added later, is used by default. In-app is always.

Urgent kinds (supervision raised, overdue, long overdue) always go over at least one external
channel the person can be reached on: a choice that switches them all off is refused.

The outbox reads the preferences from the recipients it was given (they are loaded with the
person, no query of their own), once per person and kind in a run (outbox.rows_for).
"""

from tickets.models import Notification
from tickets.notifications.channels import CHANNELS

Kind = Notification.Kind
URGENT = frozenset({Kind.SUPERVISED, Kind.OVERDUE, Kind.LONG_OVERDUE})


def switched_off(user, kind):
    """The channels `user` switched off for `kind`."""
    preferences = user.channel_preferences if isinstance(user.channel_preferences, dict) else {}
    return frozenset(preferences.get(kind) or ())


def wants(user, kind, channel_kind):
    return channel_kind not in switched_off(user, kind)


def available(user):
    """The channels that are on and can reach `user` (an address), in CHANNELS' order."""
    return [channel.kind for channel in CHANNELS.values() if channel.is_configured and channel.address_of(user)]


class Refused(Exception):
    def __init__(self, kinds):
        super().__init__(", ".join(kinds))
        self.kinds = kinds


def preferences_from(user, chosen):
    """The preferences to store from `chosen`, {kind: set of channels ticked} (what the page sent
    for the channels available to `user`; a channel not available keeps its earlier setting).
    Raises Refused with the urgent kinds left without any external channel."""
    reachable = available(user)
    stored, refused = {}, []
    for kind in Kind.values:
        earlier = switched_off(user, kind)
        off = {c for c in reachable if c not in chosen.get(kind, set())} | {c for c in earlier if c not in reachable}
        if kind in URGENT and reachable and all(c in off for c in reachable):
            refused.append(kind)
        if off:
            stored[kind] = sorted(off)
    if refused:
        raise Refused(refused)
    return stored
