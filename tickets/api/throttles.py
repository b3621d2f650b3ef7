"""Rate limits for the API (its own module: DRF imports throttle classes while it loads)."""

from django.conf import settings
from rest_framework import throttling

from tickets.models import ApiToken


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """API_RATE_LIMIT requests per token (per person for a signed-in session)."""

    scope = "token"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.digest[:16]}"  # a part of the hash, never of the key
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
