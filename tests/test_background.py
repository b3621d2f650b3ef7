"""Queueing background work (tickets.background): a broker that failed is left alone for a while,
so that a hung one costs one request its timeouts, not every request."""

from tests.services_down import DEAD_REDIS_URL, Broker
from tickets import background


def test_after_a_failed_publish_the_broker_is_left_alone_then_tried_again(monkeypatch, caplog):
    clock = [1000.0]
    monkeypatch.setattr(background.time, "monotonic", lambda: clock[0])
    tried = []
    with Broker(DEAD_REDIS_URL, broker_connection_timeout=0.3) as app:
        real_delay = app.tasks["tickets.send_notification_emails"].delay

        def delay(*args):
            tried.append(clock[0])
            return real_delay(*args)

        monkeypatch.setattr(app.tasks["tickets.send_notification_emails"], "delay", delay)
        assert background.enqueue("tickets.send_notification_emails") is False
        assert background.enqueue("tickets.send_notification_emails") is False  # not tried: failed moments ago
        clock[0] += background.RETRY_AFTER
        assert background.enqueue("tickets.send_notification_emails") is False

    assert tried == [1000.0, 1000.0 + background.RETRY_AFTER]
    assert "the broker failed moments ago" in caplog.text


def test_in_process_tasks_never_leave_the_broker_alone(monkeypatch):
    failures = []

    def failing(*args):
        failures.append(args)
        raise RuntimeError("the task itself failed")

    from config.celery import app

    monkeypatch.setattr(app.tasks["tickets.send_notification_emails"], "delay", failing)
    background.enqueue("tickets.send_notification_emails")
    background.enqueue("tickets.send_notification_emails")

    assert len(failures) == 2 and background._down_until == {}
