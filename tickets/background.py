"""Queueing background work by task name.

Code that queues work (a notification's delivery, an export's build) names the Celery task
instead of importing tickets.tasks: the tasks import that code, so importing them back would
be a cycle. With REDIS_URL unset the task runs in-process at once (CELERY_TASK_ALWAYS_EAGER).
"""

import logging
import time

from celery import current_app

logger = logging.getLogger(__name__)


# After a failed publish the broker is left alone this long (per broker URL): a hung broker costs
# one request its timeouts (REDIS_TIMEOUT), not every request.
RETRY_AFTER = 10.0
_down_until: dict[str, float] = {}


def enqueue(task_name: str, *args: object, failure: str = "Could not queue %(task)s; it will be picked up later") -> bool:
    """Queue task `task_name` (registered by tickets.tasks). Returns False, after logging
    `failure` (with %(task)s and %(args)s), if the broker cannot be reached or failed less than
    RETRY_AFTER seconds ago: the caller's work is saved and a periodic task or a page picks it up
    later, so this never fails the request."""
    broker = "" if current_app.conf.task_always_eager else str(current_app.conf.broker_url)  # in-process: no broker to fail
    if broker and time.monotonic() < _down_until.get(broker, 0.0):
        logger.warning(failure + " (the broker failed moments ago)", {"task": task_name, "args": args})
        return False
    try:
        current_app.tasks[task_name].delay(*args)
    except Exception:  # noqa: BLE001 — any broker failure means "later", never an error page
        if broker:
            _down_until[broker] = time.monotonic() + RETRY_AFTER
        logger.warning(failure, {"task": task_name, "args": args}, exc_info=True)
        return False
    _down_until.pop(broker, None)
    return True
