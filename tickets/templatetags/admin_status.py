"""The admin's home page: what is wrong with the services the product leans on, now."""

from django import template
from django.conf import settings
from django.utils.translation import gettext as _

from config.cache import redis_state

register = template.Library()


@register.simple_tag
def service_warnings() -> list[str]:
    """Warnings for the administrator: Redis set but not answering (a PING, REDIS_TIMEOUT at most)."""
    if not settings.REDIS_URL:
        return []
    problem = redis_state(settings.REDIS_URL, settings.REDIS_TIMEOUT)
    if problem is None:
        return []
    return [
        _(
            "Redis does not answer (%(problem)s). Nothing fails meanwhile: e-mails wait for the periodic task, and each web "
            "process counts the API's rate limits on its own until Redis answers again."
        )
        % {"problem": problem}
    ]
