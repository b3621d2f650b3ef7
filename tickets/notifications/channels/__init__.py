"""Delivery channels (DESIGN.md §12): what a channel is, and the registry of those there are.

A channel says where it reaches a person (`address_of`), opens the connection a batch is sent
over, and sends one delivery over it; how deliveries are claimed, retried with backoff and given
up is the same for every channel (tickets.notifications.sender). The outbox writes one Delivery
row per notification and channel that is on (`active()`) when it writes the notification.

    email      Django's e-mail backend (EMAIL_URL), the first channel
    sms        text messages, Tencent Cloud or Alibaba Cloud SMS (SMS_PROVIDER=tencent|aliyun, SMS_*)
    wecom      企业微信 application messages (WECOM_*), through wechatpy
    dingtalk   钉钉 work notifications (DINGTALK_*)

A channel whose variables are not set is off: no deliveries are written for it, and the admin says
so. The fake providers (tickets.notifications.fakes) speak each vendor's API on 127.0.0.1.

Adding a channel: a Delivery.Channel value, a module here with its Channel subclass, an entry in
CHANNELS, and a periodic task that calls sender.send_due(CHANNELS[kind]).
"""

from .base import Channel, Connection, ProviderError
from .dingtalk import DingTalkChannel
from .email import EmailChannel
from .sms import SmsChannel
from .wecom import WeComChannel

# Every channel a notification may be delivered over, by kind (a Delivery.Channel value).
CHANNELS: dict[str, Channel] = {channel.kind: channel for channel in (EmailChannel(), SmsChannel(), WeComChannel(), DingTalkChannel())}


def active():
    """The channels that are on now (their variables are set), in CHANNELS' order."""
    return [channel for channel in CHANNELS.values() if channel.is_configured]


__all__ = ["CHANNELS", "Channel", "Connection", "DingTalkChannel", "EmailChannel", "ProviderError", "SmsChannel", "WeComChannel", "active"]
