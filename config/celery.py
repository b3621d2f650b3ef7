"""The Celery application. Tasks live in tickets/tasks.py; the periodic schedule is stored in the
database (django-celery-beat) so an administrator can change it in the admin."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("qiye")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
