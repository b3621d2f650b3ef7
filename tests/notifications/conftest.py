"""The fake providers (tickets.notifications.fakes) started for a test, the channels pointed at
them, and a person every channel reaches."""

import pytest
from django.core.cache import cache

from enterprises.models import User
from tickets.notifications.fakes import FakeDingTalk, FakeTencentSms, FakeWeCom

MOBILE, WECOM_ID, DINGTALK_ID = "+8613812345678", "ZhangWei", "ding-zhangwei"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    """Access tokens are cached: each test starts without any."""
    cache.clear()
    yield
    cache.clear()


def _serve(fake):
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def sms_fake(settings):
    settings.CHANNEL_TIMEOUT = 0.5
    yield from _serve(FakeTencentSms(delay=1.5, app_id="1400123456"))


@pytest.fixture
def sms(settings, sms_fake):
    settings.SMS_PROVIDER, settings.SMS_ENDPOINT = "tencent", sms_fake.url
    settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY = sms_fake.keys["secret_id"], sms_fake.keys["secret_key"]
    settings.SMS_APP_ID, settings.SMS_SIGN_NAME = "1400123456", "某市营商办"
    settings.SMS_TEMPLATE, settings.SMS_TEMPLATES = "100001", {"overdue": "100002"}
    return sms_fake


@pytest.fixture
def wecom(settings):
    settings.CHANNEL_TIMEOUT = 0.5
    for fake in _serve(FakeWeCom(delay=1.5, corp_id="wwcity", secret="wecom-secret", agent_id="1000005")):
        settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "wwcity", "wecom-secret", "1000005"
        settings.WECOM_API_BASE_URL = fake.url + "/cgi-bin/"
        yield fake


@pytest.fixture
def dingtalk(settings):
    settings.CHANNEL_TIMEOUT = 0.5
    for fake in _serve(FakeDingTalk(delay=1.5, app_key="dingcity", app_secret="ding-secret", agent_id="2000007")):
        settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET, settings.DINGTALK_AGENT_ID = "dingcity", "ding-secret", "2000007"
        settings.DINGTALK_API_BASE_URL = fake.url
        yield fake


@pytest.fixture
def person(department):
    return User.objects.create(
        username="zhangwei",
        role=User.Role.DEPARTMENT,
        department=department,
        mobile=MOBILE,
        wecom_userid=WECOM_ID,
        dingtalk_userid=DINGTALK_ID,
    )
