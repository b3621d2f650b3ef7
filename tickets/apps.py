from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_work_calendar(sender, using, **kwargs):
    # Keeps the stored calendar in step with the installed chinese-calendar package.
    from .workdays import sync_from_package

    sync_from_package()


def _ensure_periodic_tasks(sender, using, **kwargs):
    from .schedule import ensure_periodic_tasks

    ensure_periodic_tasks()


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        post_migrate.connect(_sync_work_calendar, sender=self, dispatch_uid="tickets.sync_work_calendar")
        post_migrate.connect(_ensure_periodic_tasks, sender=self, dispatch_uid="tickets.ensure_periodic_tasks")
