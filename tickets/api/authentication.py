"""How the API signs people in.

API tokens: django-rest-knox's hashed tokens (tickets.models.ApiToken), with an expired token
refused in words of its own and kept (knox deletes it, and the administrator would no longer see
which integration's token ran out), and the token's last use recorded. Tokens, which an
administrator issues to an integration, are not concerned by the second factor.

The session, with the second factor: a browser session whose person must pass it
(tickets.rules.must_verify) and has not is refused with a 403 (`second_factor_required`) until
they do on the pages (/accounts/two-factor/)."""

from datetime import timedelta
from hmac import compare_digest

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication

from tickets import rules
from tickets.models import ApiToken

# A token's last use is written at most this often: not one UPDATE per API request.
LAST_USED_PRECISION = timedelta(minutes=5)


class TokenExpired(exceptions.AuthenticationFailed):
    """A token past its expiry: a code of its own, so that an integration knows to ask for a new one
    rather than suspect its key."""

    error_code = "token_expired"


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        key = token.decode("utf-8", errors="replace")
        digest = hash_token(key)
        for auth_token in ApiToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user"):
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.is_expired:
                when = formats.date_format(timezone.localtime(auth_token.expiry), "DATETIME_FORMAT")
                raise TokenExpired(_("This API token expired on %(when)s; ask the administrator for a new one.") % {"when": when})
            self._record_use(auth_token)
            return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    def validate_user(self, auth_token: ApiToken):
        if not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The account of this API token is disabled."))
        return auth_token.user, auth_token

    @staticmethod
    def _record_use(auth_token: ApiToken) -> None:
        now = timezone.now()
        if auth_token.last_used_at is None or auth_token.last_used_at < now - LAST_USED_PRECISION:
            # Conditional: of two requests at once, one writes.
            ApiToken.objects.filter(digest=auth_token.digest, last_used_at=auth_token.last_used_at).update(last_used_at=now)
            auth_token.last_used_at = now


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for it: `Authorization: Token <key>`, as DRF's own token was."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user = result[0]
            verified = getattr(user, "is_verified", None)
            if not (verified is not None and verified()) and rules.must_verify(user):
                # Here, not at the top: DRF imports this module while its views module is loading.
                from tickets.api.errors import ApiError

                raise ApiError(
                    _("Pass the second factor first: sign in on the site and enter the code from your authenticator app."),
                    code="second_factor_required",
                    status_code=status.HTTP_403_FORBIDDEN,
                )
        return result
