"""The API's session sign-in, with the second factor: a browser session whose person must pass it
(tickets.rules.must_verify) and has not is refused with a 403 (`second_factor_required`) until
they do on the pages (/accounts/two-factor/). API tokens, which an administrator issues to an
integration, are not concerned."""

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.authentication import SessionAuthentication

from tickets import rules


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
