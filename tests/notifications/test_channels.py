"""The SMS (Tencent Cloud), 企业微信 and 钉钉 channels, each through its real SDK or client against a
fake provider on 127.0.0.1 that speaks the vendor's API (tickets.notifications.fakes): the request
signature or access token checked; success stores the provider's id; errors, rate limits and
timeouts retried with the back-off, then given up; a wrong key fails and says why; an expired token
is fetched again; a channel without its variables is off and gets no deliveries."""

import datetime

import pytest
from django.utils import timezone

from enterprises.models import User
from tests.notifications.conftest import DINGTALK_ID, MOBILE, WECOM_ID
from tickets.models import Delivery, Notification
from tickets.notifications import channels, outbox, sender
from tickets.notifications.channels import CHANNELS


def pending(person, kind, channel, *, subject="工单 QY-2026-0001 已超期"):
    note = Notification.objects.create(recipient=person, kind=kind, subject=subject, body="…", url="/tickets/QY-2026-0001/")
    return Delivery.objects.create(notification=note, channel=channel, status="pending", next_attempt_at=timezone.now())


def send(channel, now=None):
    return sender.send_due(CHANNELS[channel], now=now or timezone.now())


def later(delivery):
    """The moment the delivery's next attempt is due."""
    delivery.refresh_from_db()
    return delivery.next_attempt_at + datetime.timedelta(seconds=1)


# --- off unless configured -------------------------------------------------------------------


def test_a_channel_without_its_variables_is_off_and_gets_no_deliveries(person):
    assert [channel.kind for channel in channels.active()] == ["email"]
    for kind in ("sms", "wecom", "dingtalk"):
        assert not CHANNELS[kind].is_configured and CHANNELS[kind].provider == ""
    rows = outbox.rows_for("overdue", [person], ticket_id=None, reference="", subject="s", body="b", now=timezone.now())
    assert [channel for channel, _status in rows[0][-1]] == ["email"]


def test_configured_channels_get_a_delivery_each_no_address_where_the_person_has_none(person, sms, wecom, dingtalk):
    other = User.objects.create(username="lisi", role=User.Role.DISPATCHER)
    rows = outbox.rows_for("overdue", [person, other], ticket_id=None, reference="", subject="s", body="b", now=timezone.now())
    assert dict(rows[0][-1]) == {"email": "no_address", "sms": "pending", "wecom": "pending", "dingtalk": "pending"}
    assert dict(rows[1][-1]) == {"email": "no_address", "sms": "no_address", "wecom": "no_address", "dingtalk": "no_address"}
    assert all("模拟服务商" in CHANNELS[kind].provider for kind in ("sms", "wecom", "dingtalk"))


# --- SMS: Tencent Cloud ----------------------------------------------------------------------


def test_an_sms_is_sent_signed_with_the_kinds_template_and_the_providers_id_stored(person, sms):
    delivery = pending(person, "overdue", "sms")
    assert send("sms") == (1, 0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.provider_message_id.startswith("2433:")
    [request] = sms.received
    assert request["PhoneNumberSet"] == [MOBILE] and request["SignName"] == "某市营商办" and request["TemplateId"] == "100002"
    label, reference, link = request["TemplateParamSet"]
    assert reference == "-" and link == "http://127.0.0.1:8000/tickets/QY-2026-0001/" and label


def test_an_sms_of_a_kind_without_its_own_template_uses_the_default(person, sms):
    pending(person, "digest", "sms")
    send("sms")
    assert sms.received[0]["TemplateId"] == "100001"


def test_an_sms_error_answer_fails_with_the_error_and_a_next_attempt(person, sms, settings):
    sms.script.append("error")
    delivery = pending(person, "overdue", "sms")
    now = timezone.now()
    assert send("sms", now) == (0, 1)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in delivery.last_error
    assert delivery.next_attempt_at == now + datetime.timedelta(seconds=settings.CHANNEL_RETRY_BASE_SECONDS)
    assert send("sms", later(delivery)) == (1, 0)  # the provider works again: sent at the next attempt
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_an_sms_rate_limit_is_retried(person, sms):
    sms.script.extend(["rate_limit", "rate_limit"])
    delivery = pending(person, "overdue", "sms")
    send("sms")
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "RequestLimitExceeded" in delivery.last_error
    send("sms", later(delivery))
    send("sms", later(delivery))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 3)


def test_an_sms_provider_that_times_out_is_retried_then_given_up(person, sms, settings):
    settings.CHANNEL_MAX_ATTEMPTS = 2
    sms.script.extend(["timeout", "timeout"])
    delivery = pending(person, "overdue", "sms")
    send("sms")
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is not None
    assert "ClientNetworkError" in delivery.last_error or "imeout" in delivery.last_error
    send("sms", later(delivery))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("gave_up", 2, None)
    assert sms.received == []


@pytest.mark.parametrize(
    ("field", "wrong", "code"),
    [("SMS_SECRET_KEY", "not-the-key", "AuthFailure.SignatureFailure"), ("SMS_SECRET_ID", "AKIDwrong", "AuthFailure.SecretIdNotFound")],
)
def test_an_sms_channel_with_a_wrong_key_is_on_and_failing_with_the_reason(person, sms, settings, field, wrong, code):
    setattr(settings, field, wrong)
    delivery = pending(person, "overdue", "sms")
    assert CHANNELS["sms"].is_configured
    assert send("sms") == (0, 1)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and code in delivery.last_error
    assert sms.received == []


# --- 企业微信 ---------------------------------------------------------------------------------


def test_a_wecom_message_is_sent_to_the_user_id_with_a_fetched_token_and_its_msgid_stored(person, wecom):
    delivery = pending(person, "overdue", "wecom")
    pending(person, "digest", "wecom")
    assert send("wecom") == (2, 0)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id.startswith("fake-wecom-")
    first = wecom.received[0]
    assert (first["touser"], first["agentid"], first["msgtype"]) == (WECOM_ID, "1000005", "textcard")
    assert first["textcard"]["url"] == "http://127.0.0.1:8000/tickets/QY-2026-0001/"
    assert wecom.tokens_issued == 1  # one token for the batch, cached
    pending(person, "digest", "wecom")
    send("wecom")
    assert wecom.tokens_issued == 1  # and for the next run


def test_a_wecom_token_that_expired_is_fetched_again_and_the_message_sent(person, wecom):
    pending(person, "digest", "wecom")
    send("wecom")
    wecom.script.append("expire_token")
    delivery = pending(person, "overdue", "wecom")
    assert send("wecom") == (1, 0)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and wecom.tokens_issued == 2


def test_a_wecom_error_and_rate_limit_fail_with_the_errcode_and_are_retried(person, wecom):
    wecom.script.extend(["error", "rate_limit"])
    delivery = pending(person, "overdue", "wecom")
    send("wecom")
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "81013" in delivery.last_error
    send("wecom", later(delivery))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "45009" in delivery.last_error and delivery.attempts == 2
    send("wecom", later(delivery))
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_a_wecom_provider_that_times_out_is_given_up_after_the_last_attempt(person, wecom, settings):
    settings.CHANNEL_MAX_ATTEMPTS = 1
    wecom.script.append("timeout")
    delivery = pending(person, "overdue", "wecom")
    send("wecom")
    delivery.refresh_from_db()
    assert delivery.status == "gave_up" and "imeout" in delivery.last_error


def test_a_wecom_channel_with_a_wrong_secret_fails_with_the_reason(person, wecom, settings):
    settings.WECOM_SECRET = "wrong"
    delivery = pending(person, "overdue", "wecom")
    send("wecom")
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "40001" in delivery.last_error


# --- 钉钉 ------------------------------------------------------------------------------------


def test_a_dingtalk_work_notification_is_sent_with_a_token_and_its_task_id_stored(person, dingtalk):
    delivery = pending(person, "overdue", "dingtalk")
    assert send("dingtalk") == (1, 0)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and int(delivery.provider_message_id) > 256000
    [request] = dingtalk.received
    assert (request["userid_list"], request["agent_id"], request["msg"]["msgtype"]) == (DINGTALK_ID, 2000007, "text")
    assert "http://127.0.0.1:8000/tickets/QY-2026-0001/" in request["msg"]["text"]["content"]


def test_a_dingtalk_token_that_expired_is_fetched_again(person, dingtalk):
    pending(person, "digest", "dingtalk")
    send("dingtalk")
    dingtalk.script.append("expire_token")
    delivery = pending(person, "overdue", "dingtalk")
    send("dingtalk")
    delivery.refresh_from_db()
    assert delivery.status == "sent" and dingtalk.tokens_issued == 2


def test_a_dingtalk_error_rate_limit_and_timeout_are_retried_then_given_up(person, dingtalk, settings):
    settings.CHANNEL_MAX_ATTEMPTS = 3
    dingtalk.script.extend(["error", "rate_limit", "timeout"])
    delivery = pending(person, "overdue", "dingtalk")
    errors = []
    for _attempt in range(3):
        send("dingtalk", later(delivery) if errors else None)
        delivery.refresh_from_db()
        errors.append(delivery.last_error)
    assert "33012" in errors[0] and "90018" in errors[1] and "imeout" in errors[2]
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("gave_up", 3, None)


def test_a_dingtalk_channel_with_a_wrong_secret_fails_with_the_reason(person, dingtalk, settings):
    settings.DINGTALK_APP_SECRET = "wrong"
    delivery = pending(person, "overdue", "dingtalk")
    send("dingtalk")
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "40089" in delivery.last_error


# --- one channel's trouble stays its own --------------------------------------------------------


def test_a_failing_provider_does_not_hold_up_the_other_channels(person, sms, wecom, dingtalk, settings):
    settings.SMS_SECRET_KEY = "wrong"
    wecom.script.append("timeout")
    for channel in ("sms", "wecom", "dingtalk"):
        pending(person, "overdue", channel)
    for channel in ("sms", "wecom", "dingtalk"):
        sender.send_due_over(channel)
    assert dict(Delivery.objects.values_list("channel", "status")) == {"sms": "failed", "wecom": "failed", "dingtalk": "sent"}


# --- SMS: Alibaba Cloud ---------------------------------------------------------------------


@pytest.fixture
def aliyun(settings):
    from tickets.notifications.fakes import FakeAliyunSms

    settings.CHANNEL_TIMEOUT = 0.5
    fake = FakeAliyunSms(delay=1.5, access_key_id="LTAIcity", access_key_secret="aliyun-secret").start()
    settings.SMS_PROVIDER, settings.SMS_ENDPOINT, settings.SMS_APP_ID = "aliyun", fake.url, ""
    settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY = "LTAIcity", "aliyun-secret"
    settings.SMS_SIGN_NAME, settings.SMS_TEMPLATE, settings.SMS_TEMPLATES = "某市营商办", "SMS_100001", {"overdue": "SMS_100002"}
    yield fake
    fake.stop()


def test_an_aliyun_sms_is_sent_signed_acs3_with_named_parameters_and_its_biz_id_stored(person, aliyun):
    import json

    assert CHANNELS["sms"].is_configured and "阿里云" in CHANNELS["sms"].provider
    delivery = pending(person, "overdue", "sms")
    assert send("sms") == (1, 0)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.provider_message_id.endswith("^0")
    [request] = aliyun.received
    assert (request["PhoneNumbers"], request["SignName"], request["TemplateCode"]) == ("13812345678", "某市营商办", "SMS_100002")
    assert json.loads(request["TemplateParam"])["link"] == "http://127.0.0.1:8000/tickets/QY-2026-0001/"


def test_an_aliyun_error_and_rate_limit_are_retried_and_a_timeout_given_up(person, aliyun, settings):
    settings.CHANNEL_MAX_ATTEMPTS = 3
    aliyun.script.extend(["error", "rate_limit", "timeout"])
    delivery = pending(person, "overdue", "sms")
    errors = []
    for _attempt in range(3):
        send("sms", later(delivery) if errors else None)
        delivery.refresh_from_db()
        errors.append(delivery.last_error)
    assert "isv.SMS_TEMPLATE_ILLEGAL" in errors[0] and "isv.BUSINESS_LIMIT_CONTROL" in errors[1]
    assert "imeout" in errors[2] or "Read" in errors[2]
    assert (delivery.status, delivery.attempts) == ("gave_up", 3)


@pytest.mark.parametrize(("field", "code"), [("SMS_SECRET_KEY", "SignatureDoesNotMatch"), ("SMS_SECRET_ID", "InvalidAccessKeyId.NotFound")])
def test_an_aliyun_channel_with_a_wrong_key_fails_with_the_reason(person, aliyun, settings, field, code):
    setattr(settings, field, "wrong")
    delivery = pending(person, "overdue", "sms")
    send("sms")
    delivery.refresh_from_db()
    assert delivery.status == "failed" and code in delivery.last_error
    assert aliyun.received == []


def test_the_fake_providers_command_serves_every_fake_on_its_port(monkeypatch):
    """manage.py fake_providers (scripts/run): each fake on its port, stopped on Ctrl-C."""
    import io
    import socket

    from django.core.management import call_command

    from tickets.management.commands import fake_providers

    ports = {}

    def interrupt(_seconds):
        for kind, port in fake_providers.PORTS.items():
            with socket.create_connection(("127.0.0.1", port + 10000), timeout=1):
                ports[kind] = port
        raise KeyboardInterrupt

    monkeypatch.setattr(fake_providers.time, "sleep", interrupt)
    out = io.StringIO()
    args = [f"--{kind}-port={port + 10000}" for kind, port in fake_providers.PORTS.items()]
    call_command("fake_providers", *args, stdout=out)
    assert set(ports) == {"sms", "wecom", "dingtalk", "aliyun-sms"}
    assert out.getvalue().count("fake ") == 4


def test_no_text_message_wecom_or_dingtalk_message_carries_the_contacts_phone_or_name(
    sms, wecom, dingtalk, submit, dispatcher, department, department_user
):
    """DESIGN.md §11: like the e-mails, the other channels name the ticket, never its contact."""
    import json

    from tickets import services

    phone, name = "13812341234", "张伟"
    User.objects.filter(pk__in=[dispatcher.pk, department_user.pk]).update(
        mobile=MOBILE, wecom_userid=WECOM_ID, dingtalk_userid=DINGTALK_ID
    )
    ticket = submit(contact_name=name, contact_phone=phone)
    services.ticket_assign(ticket=ticket, by=dispatcher, department=department)
    for kind in ("sms", "wecom", "dingtalk"):
        sender.send_due_over(kind)
    payloads = [json.dumps(message, ensure_ascii=False) for fake in (sms, wecom, dingtalk) for message in fake.received]
    assert len(sms.received) >= 1 and len(wecom.received) >= 1 and len(dingtalk.received) >= 1
    assert not any(phone in payload or name in payload for payload in payloads)
