from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Companies and people")

    def ready(self):
        # The audit trail's models, this app's and the tickets app's reference data alike: one list.
        from django.contrib.auth.signals import user_logged_in

        from config.admin_names import name_third_party_apps
        from config.audit import register_tracked_models
        from config.sessions import mark_refreshed

        register_tracked_models()
        user_logged_in.connect(mark_refreshed, dispatch_uid="config.sessions.mark_refreshed")
        name_third_party_apps()
