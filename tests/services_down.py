"""Redis that fails, for the fault tests: a port nothing listens on, a listener that accepts and
never answers (a hung Redis), and the Celery app pointed at either for one test."""

import contextlib
import socket
import threading

from config.celery import app as celery_app

DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
_SAVED_KEYS = ("broker_url", "task_always_eager", "broker_transport_options", "broker_connection_timeout", "worker_hijack_root_logger")


def _reset_broker_connections():
    """Make the next publish use the broker configured now. The pools themselves stay open in
    kombu's registry (keyed by URL and transport options), where other tests may find them again."""
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None


class Broker:
    """Points the app at a broker for one test and restores everything afterwards."""

    def __init__(self, url, **conf):
        self.url, self.conf = url, conf

    def __enter__(self):
        self.saved = {key: celery_app.conf[key] for key in _SAVED_KEYS}
        celery_app.conf.update(broker_url=self.url, task_always_eager=False, worker_hijack_root_logger=False, **self.conf)
        _reset_broker_connections()
        return celery_app

    def __exit__(self, *exc):
        _reset_broker_connections()
        celery_app.conf.update(self.saved)


@contextlib.contextmanager
def hung_redis():
    """A redis:// URL whose server accepts connections and never answers (reads what it is sent)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()
