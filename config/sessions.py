"""The idle timeout without a database write on every request.

A session lives SESSION_COOKIE_AGE (30 minutes) after it was last saved. Saving it on every
request (SESSION_SAVE_EVERY_REQUEST) costs each page view an UPDATE of the session row; this
middleware saves it only when its last save is more than SESSION_REFRESH_SECONDS (60 s) old, so a
person who keeps working stays signed in and one who stops is signed out 29–30 idle minutes later.
"""

import time

from django.conf import settings

# The session key holding the moment (Unix seconds) of the session's last save by this middleware.
REFRESHED_KEY = "_refreshed_at"


class IdleSessionMiddleware:
    """Between SessionMiddleware (which saves a modified session on the way out) and the rest."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request read or made (a live one named by the cookie, a login's):
        # none is made for an anonymous visitor, a signed-out or an expired one (is_empty()).
        if session is not None and not session.is_empty():
            now = int(time.time())
            last = session.get(REFRESHED_KEY)
            if session.modified or not isinstance(last, int) or now - last >= settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_KEY] = now
        return response


def mark_refreshed(sender, request, user, **kwargs):
    """user_logged_in: a login saves the session anyway, so it counts as its last refresh (the
    first page after it writes nothing)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[REFRESHED_KEY] = int(time.time())
