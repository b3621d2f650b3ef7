"""What a delivery channel is (see tickets.notifications.channels)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from enterprises.models import User
    from tickets.models import Delivery


class Connection(Protocol):
    """What a batch is sent over: opened once before its first send, reopened after a failed one."""

    def open(self) -> Any: ...

    def close(self) -> Any: ...


class ProviderError(Exception):
    """The provider answered, and did not take the message: its error code and message (a wrong key,
    a rate limit, an unknown recipient). Recorded on the delivery as its last error and retried."""

    def __init__(self, code: object, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else str(code))
        self.code = code


class Channel:
    """One way of delivering a notification. Subclasses set `kind` (a Delivery.Channel value)
    and implement the methods below; `max_attempts` and `retry_base_seconds` say how
    often and how soon a failed delivery is tried again (after attempt n, retry_base_seconds *
    2**(n-1))."""

    kind: str = ""

    def address_of(self, user: User) -> str:
        """Where this channel reaches `user`, or "" if it cannot."""
        raise NotImplementedError

    def connection(self) -> Connection:
        """A new, not yet opened connection for one batch."""
        raise NotImplementedError

    def send(self, delivery: Delivery, connection: Connection) -> str | None:
        """Send one delivery (its notification and recipient are loaded) over `connection`;
        raises if it did not go. Returns the provider's id of the message, if it gives one."""
        raise NotImplementedError

    @property
    def is_configured(self) -> bool:
        """Whether the channel is on: its provider's variables are set. A channel that is off gets
        no deliveries written."""
        return True

    @property
    def provider(self) -> str:
        """Who delivers for this channel, as the admin names it ("" if the channel is off)."""
        return ""

    @property
    def max_attempts(self) -> int:
        raise NotImplementedError

    @property
    def retry_base_seconds(self) -> int:
        raise NotImplementedError


class ExternalChannel(Channel):
    """A channel through a provider's HTTP API (SMS, WeCom, DingTalk): retried and timed out by the
    shared CHANNEL_* settings."""

    @property
    def max_attempts(self) -> int:
        from django.conf import settings

        return int(settings.CHANNEL_MAX_ATTEMPTS)

    @property
    def retry_base_seconds(self) -> int:
        from django.conf import settings

        return int(settings.CHANNEL_RETRY_BASE_SECONDS)


def text_of(value: object) -> str:
    """An address field's value as text ("" for a new account's database default)."""
    return value.strip() if isinstance(value, str) else ""


def is_local(url: str) -> bool:
    """Whether `url` points at this machine (the fake providers)."""
    return "//127.0.0.1" in url or "//localhost" in url or url.startswith(("127.0.0.1", "localhost"))


def named(provider: str, url: str) -> str:
    """The provider as the admin names it: a fake one (tickets.notifications.fakes) says so."""
    from django.utils.translation import gettext

    if is_local(url):
        return gettext("%(provider)s: FAKE provider on this machine (%(url)s), nothing reaches anyone") % {"provider": provider, "url": url}
    return provider
