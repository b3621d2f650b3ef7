"""Rate limits for the API (its own module: DRF imports throttle classes while it loads)."""

from django.conf import settings
from rest_framework import throttling
from rest_framework.authtoken.models import Token


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """API_RATE_LIMIT requests per token (per person for a signed-in session)."""

    scope = "token"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        if isinstance(request.auth, Token):
            ident = f"token-{request.auth.user_id}-{request.auth.key[:8]}"
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
