"""The e-mail channel: Django's e-mail backend (EMAIL_URL), one SMTP connection per batch.
Claiming, retries and backoff are the sender's (tickets.notifications.sender)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from tickets.models import Delivery
from tickets.notifications.channels.base import Channel


class EmailChannel(Channel):
    kind = Delivery.Channel.EMAIL

    def address_of(self, user):
        return user.email

    def connection(self):
        return get_connection(fail_silently=False)

    def send(self, delivery, connection):
        notification = delivery.notification
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
            connection=connection,
        ).send()

    @property
    def max_attempts(self):
        return settings.EMAIL_MAX_ATTEMPTS

    @property
    def retry_base_seconds(self):
        return settings.EMAIL_RETRY_BASE_SECONDS
