"""Delivery channels (DESIGN.md §12): what a channel is, and the registry of those there are.

A channel says where it reaches a person (`address_of`), opens the connection a batch is sent
over, and sends one delivery over it; how deliveries are claimed, retried with backoff and given
up is the same for every channel (tickets.notifications.sender). The outbox writes one Delivery
row per notification and channel in CHANNELS when it writes the notification.

    email   Django's e-mail backend (EMAIL_URL), the first channel

Adding a channel: a Delivery.Channel value, a module here with its Channel subclass, an entry in
CHANNELS, and a periodic task that calls sender.send_due(CHANNELS[kind]).
"""

from .base import Channel, Connection
from .email import EmailChannel

# Every channel a notification is delivered over, by kind (a Delivery.Channel value).
CHANNELS: dict[str, Channel] = {channel.kind: channel for channel in (EmailChannel(),)}

__all__ = ["CHANNELS", "Channel", "Connection", "EmailChannel"]
