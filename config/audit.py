"""The audit trail of administration (django-auditlog): what it records, and from where.

The one place that says which models are tracked (TRACKED_MODELS, registered when the apps are
ready): the reference data and the people an administrator changes in the admin. Each
change is a LogEntry with who (the signed-in user, or none for a command), when, and every changed
field's value before and after; the admin shows them read-only (enterprises/admin.py), and
AuditMiddleware below says who and from which address.

Tickets, their events, assignments, notifications and deliveries are deliberately not tracked:
they have their own history (TicketEvent), and tracking them would add a query and a row to every
action and to the sweep. A password is recorded only as changed: its hash is never stored.
"""

from auditlog.middleware import AuditlogMiddleware

# A password change is recorded with this in place of the old and new hashes.
HIDDEN = "******"


def hide(value: str) -> str:
    """auditlog's mask callable (the default would keep half of the hash)."""
    return HIDDEN


# Each tracked model and how (django-auditlog's register() options). Every model's own columns are
# recorded (not its reverse relations), less what changes without anyone changing the record: the
# last login, a row's own timestamp.
TRACKED_MODELS = {
    "enterprises.User": {"exclude_fields": ["last_login"], "mask_fields": ["password"], "m2m_fields": ["groups", "user_permissions"]},
    "auth.Group": {"m2m_fields": ["permissions"]},
    "enterprises.Department": {},
    "enterprises.District": {},
    "enterprises.Industry": {},
    "enterprises.Enterprise": {"m2m_fields": ["liaisons"]},
    "tickets.Category": {"m2m_fields": ["co_departments"]},
    "tickets.DeadlineProfile": {},
    "tickets.CalendarYear": {"exclude_fields": ["updated_at"]},
    "tickets.CalendarDay": {},
    # Who issued, renamed or revoked which integration's API token (its key is never stored; the
    # row's id is the key's hash, useless to sign in with); its last use is not a change.
    "tickets.ApiToken": {"exclude_fields": ["last_used_at"]},
}


def register_tracked_models():
    """Registers TRACKED_MODELS with django-auditlog; called once, from EnterprisesConfig.ready()."""
    from auditlog.registry import auditlog
    from django.apps import apps

    for label, options in TRACKED_MODELS.items():
        model = apps.get_model(label)
        excluded = options.get("exclude_fields", [])
        auditlog.register(
            model,
            include_fields=[field.name for field in model._meta.concrete_fields if field.name not in excluded],
            mask_fields=options.get("mask_fields", []),
            mask_callable="config.audit.hide",
            m2m_fields=options.get("m2m_fields", []),
        )


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the client's address read as the login lockout reads it
    (config/client_address.py: REMOTE_ADDR, or the X-Forwarded-For of TRUSTED_PROXY_COUNT proxies),
    not from whatever X-Forwarded-For a client sends."""

    def __call__(self, request):
        # A read changes no tracked record, and auditlog's context (a signal receiver connected and
        # disconnected around the request) costs about half a millisecond: only writes get it.
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        return super().__call__(request)

    @staticmethod
    def _get_actor(request):
        """request.user as it is, still lazy: auditlog reads it (checking that it is a User, so an
        anonymous visitor is no actor) only when it records a change, instead of every request
        paying for the session and the user."""
        return getattr(request, "user", None)

    @staticmethod
    def _get_remote_addr(request):
        from axes.helpers import get_client_ip_address

        return get_client_ip_address(request)
