"""Queueing background work by task name.

Code that queues work (a notification's delivery, an export's build) names the Celery task
instead of importing tickets.tasks: the tasks import that code, so importing them back would
be a cycle. With REDIS_URL unset the task runs in-process at once (CELERY_TASK_ALWAYS_EAGER).
"""

import logging

from celery import current_app

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args: object, failure: str = "Could not queue %(task)s; it will be picked up later") -> bool:
    """Queue task `task_name` (registered by tickets.tasks). Returns False, after logging
    `failure` (with %(task)s and %(args)s), if the broker cannot be reached: the caller's work is
    saved and a periodic task or a page picks it up later, so this never fails the request."""
    try:
        current_app.tasks[task_name].delay(*args)
    except Exception:  # noqa: BLE001 — any broker failure means "later", never an error page
        logger.warning(failure, {"task": task_name, "args": args}, exc_info=True)
        return False
    return True
