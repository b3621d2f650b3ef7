"""The names the admin shows for installed third-party apps and models that give none in Chinese.

django-axes names its app only by its label ("Axes"); django-otp's plugins name their apps by
label ("Otp_Totp") and their models in untranslatable English ("TOTP device"). Their names are
set here once the apps are ready (enterprises.apps.EnterprisesConfig.ready), translated in the
project's catalog. The other apps the admin lists (Django's own, django-celery-beat, auditlog,
and axes' models) ship their names in Chinese or are named in the project's catalog already.

Only the names shown change: the migration state reads a model's Meta as declared
(``_meta.original_attrs``), so this asks for no migration of those apps.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _

APP_NAMES = {
    "axes": _("Sign-in lockout"),
    "otp_totp": _("Two-factor: authenticator apps"),
    "otp_static": _("Two-factor: recovery codes"),
}

# (app label, model name): (verbose name, verbose name plural)
MODEL_NAMES = {
    ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
    ("otp_static", "staticdevice"): (_("set of recovery codes"), _("sets of recovery codes")),
    ("otp_static", "statictoken"): (_("recovery code"), _("recovery codes")),
}


def name_third_party_apps() -> None:
    for label, name in APP_NAMES.items():
        apps.get_app_config(label).verbose_name = name
    for (label, model_name), (singular, plural) in MODEL_NAMES.items():
        meta = apps.get_model(label, model_name)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural
