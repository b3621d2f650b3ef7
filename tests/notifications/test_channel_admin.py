"""The admin's view of the channels: each one's state (off: not configured; on; failing with its
last error), the fakes named as fakes, the deliveries counted per status; "retry now" for any channel."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.notifications.test_channels import later, pending, send
from tickets.models import Delivery
from tickets.notifications.state import channel_states


@pytest.fixture
def as_admin(client, admin_user):
    client.force_login(admin_user)
    return client


def _states():
    return {state["kind"]: state for state in channel_states()}


def test_channels_without_their_variables_are_shown_off_as_not_configured(as_admin):
    response = as_admin.get(reverse("admin:tickets_delivery_changelist"))
    page = response.content.decode()
    assert page.count("未配置") == 3  # sms, wecom, dingtalk; e-mail is always on
    assert {kind: state["state"] for kind, state in _states().items()} == {"email": "on", "sms": "off", "wecom": "off", "dingtalk": "off"}


def test_a_channel_with_a_wrong_key_shows_as_failing_with_its_error_not_off(as_admin, person, sms, settings):
    settings.SMS_SECRET_KEY = "wrong"
    pending(person, "overdue", "sms")
    send("sms")
    state = _states()["sms"]
    assert state["state"] == "failing" and "AuthFailure.SignatureFailure" in state["last_error"]
    assert dict(state["counts"])[Delivery.Status.FAILED.label] == 1
    with translation.override("zh-hans"):
        page = as_admin.get(reverse("admin:tickets_delivery_changelist")).content.decode()
    assert "AuthFailure.SignatureFailure" in page, page[page.find("channel-states") :][:3000]
    assert "模拟服务商" in page


def test_a_channel_that_sends_again_is_shown_on(person, sms, wecom, dingtalk):
    sms.script.append("error")
    delivery = pending(person, "overdue", "sms")
    send("sms")
    assert _states()["sms"]["state"] == "failing"
    delivery.refresh_from_db()
    send("sms", later(delivery))
    assert {kind: state["state"] for kind, state in _states().items()} == {"email": "on", "sms": "on", "wecom": "on", "dingtalk": "on"}


def test_retry_now_sends_a_given_up_text_message_again(as_admin, person, sms, settings, django_capture_on_commit_callbacks):
    settings.CHANNEL_MAX_ATTEMPTS = 1
    sms.script.append("error")
    delivery = pending(person, "overdue", "sms")
    send("sms")
    delivery.refresh_from_db()
    assert delivery.status == "gave_up"
    with django_capture_on_commit_callbacks(execute=True):
        as_admin.post(reverse("admin:tickets_delivery_changelist"), {"action": "retry_now", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id
