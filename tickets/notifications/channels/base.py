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

    def send(self, delivery: Delivery, connection: Connection) -> None:
        """Send one delivery (its notification and recipient are loaded) over `connection`;
        raises if it did not go."""
        raise NotImplementedError

    @property
    def max_attempts(self) -> int:
        raise NotImplementedError

    @property
    def retry_base_seconds(self) -> int:
        raise NotImplementedError
