from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Companies and people")

    def ready(self):
        # The audit trail's models, this app's and the tickets app's reference data alike: one list.
        from config.admin_names import name_third_party_apps
        from config.audit import register_tracked_models

        register_tracked_models()
        name_third_party_apps()
