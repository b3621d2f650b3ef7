from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_work_calendar(sender, using, **kwargs):
    # Keeps the stored calendar in step with the installed chinese-calendar package.
    from tickets.workdays import sync_from_package

    sync_from_package()


def _ensure_periodic_tasks(sender, using, **kwargs):
    from tickets.jobs.schedule import ensure_periodic_tasks

    ensure_periodic_tasks()


def _uploads_are_checkable(app_configs, **kwargs):
    """Every accepted extension has a rule for its content (tickets.services.uploads.CONTENT_RULES)."""
    from tickets.services.uploads import CONTENT_RULES

    unknown = [extension for extension in settings.ATTACHMENT_ALLOWED_EXTENSIONS if extension not in CONTENT_RULES]
    if not unknown:
        return []
    return [
        checks.Error(
            f"ATTACHMENT_ALLOWED_EXTENSIONS lists {', '.join(unknown)}, whose content the system cannot check",
            hint=f"Accept only types it can check: {', '.join(sorted(CONTENT_RULES))}.",
            id="tickets.E001",
        )
    ]


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        # The app's parts that listen or are looked up by name, loaded once the models are:
        # the report's stored handling time follows calendar changes; the Celery tasks are
        # registered so that tickets.background can queue them by name.
        from tickets import tasks  # noqa: F401
        from tickets.reports import facts
        from tickets.workdays import calendar_changed_signal

        calendar_changed_signal.connect(facts.on_calendar_changed, dispatch_uid="tickets.reports.recount_handling_days")
        post_migrate.connect(_sync_work_calendar, sender=self, dispatch_uid="tickets.sync_work_calendar")
        post_migrate.connect(_ensure_periodic_tasks, sender=self, dispatch_uid="tickets.ensure_periodic_tasks")
        checks.register(_uploads_are_checkable, checks.Tags.security)
