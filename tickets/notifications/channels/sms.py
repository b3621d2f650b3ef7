"""Text messages (短信) through Tencent Cloud SMS (tencentcloud-sdk-python-sms, API 2021-01-11
SendSms, signed TC3-HMAC-SHA256 by the SDK), when SMS_PROVIDER=tencent, or Alibaba Cloud SMS
(alibabacloud-dysmsapi20170525, API 2017-05-25 SendSms, signed ACS3-HMAC-SHA256 by the SDK), when
SMS_PROVIDER=aliyun. SMS_SECRET_ID/SMS_SECRET_KEY are the SecretId/SecretKey (Tencent) or the
AccessKey ID/secret (Alibaba); SMS_APP_ID is Tencent's SdkAppId (Alibaba has none).

A text message is a registered template (模板) with parameters, never free text: each kind of
notification has its template id (SMS_TEMPLATES, or SMS_TEMPLATE for every kind not listed), and
every template takes three parameters: what happened (the kind, e.g. 已超期), the ticket's
reference, and the link to it (Tencent's {1} {2} {3}; Alibaba's ${kind} ${ref} ${link}). No names
or phone numbers of anyone: the recipient signs in to read.
"""

from django.conf import settings

from tickets.models import Delivery, Notification
from tickets.notifications.channels.base import ExternalChannel, ProviderError, named, text_of

# The providers SMS_PROVIDER may name.
PROVIDERS = {"tencent": "Tencent Cloud SMS (腾讯云短信)", "aliyun": "Alibaba Cloud SMS (阿里云短信)"}


def template_for(kind):
    return settings.SMS_TEMPLATES.get(kind) or settings.SMS_TEMPLATE


def parameters(notification):
    """The template's parameters: what happened, the ticket's reference, the link (each within the
    providers' limit on a parameter's length)."""
    label = str(Notification.Kind(notification.kind).label) if notification.kind in Notification.Kind.values else notification.kind
    reference = notification.ticket.reference if notification.ticket_id else "-"
    link = settings.SITE_URL + (notification.url or "/")
    return [label[:20], reference[:30], link]


class TencentConnection:
    """One SDK client per batch (the SDK keeps its HTTP session)."""

    def __init__(self):
        self.client = None

    def open(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        endpoint = settings.SMS_ENDPOINT or "sms.tencentcloudapi.com"
        protocol = "https"
        if "://" in endpoint:
            protocol, endpoint = endpoint.split("://", 1)
        http = HttpProfile(protocol=protocol, endpoint=endpoint.rstrip("/"), reqTimeout=settings.CHANNEL_TIMEOUT)
        profile = ClientProfile(httpProfile=http)
        self.client = sms_client.SmsClient(
            credential.Credential(settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY), settings.SMS_REGION, profile
        )

    def close(self):
        self.client = None


class AliyunConnection:
    def __init__(self):
        self.client = None

    def open(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models

        endpoint = settings.SMS_ENDPOINT or "dysmsapi.aliyuncs.com"
        protocol = "HTTPS"
        if "://" in endpoint:
            protocol, endpoint = endpoint.split("://", 1)
        timeout_ms = int(settings.CHANNEL_TIMEOUT * 1000)
        config = open_api_models.Config(
            access_key_id=settings.SMS_SECRET_ID,
            access_key_secret=settings.SMS_SECRET_KEY,
            endpoint=endpoint.rstrip("/"),
            protocol=protocol.upper(),
            read_timeout=timeout_ms,
            connect_timeout=timeout_ms,
        )
        self.client = Client(config)

    def close(self):
        self.client = None


def _send_tencent(connection, notification, number):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.sms.v20210111 import models

    request = models.SendSmsRequest()
    request.SmsSdkAppId = settings.SMS_APP_ID
    request.SignName = settings.SMS_SIGN_NAME
    request.TemplateId = template_for(notification.kind)
    request.TemplateParamSet = parameters(notification)
    request.PhoneNumberSet = [number]
    try:
        response = connection.client.SendSms(request)
    except TencentCloudSDKException as error:
        # The request failed (a wrong key: AuthFailure.*; too many requests: RequestLimitExceeded)
        # or did not get an answer (the SDK's ClientNetworkError, a timeout).
        raise ProviderError(error.get_code(), error.get_message()) from None
    status = (response.SendStatusSet or [None])[0]
    if status is None:
        raise ProviderError("NoStatus", "the answer has no SendStatusSet")
    if status.Code != "Ok":
        # Per number: e.g. LimitExceeded.PhoneNumberDailyLimit, InvalidParameterValue.IncorrectPhoneNumber.
        raise ProviderError(status.Code, status.Message or "")
    return status.SerialNo or ""


def _send_aliyun(connection, notification, number):
    import json

    from alibabacloud_dysmsapi20170525 import models
    from alibabacloud_tea_util.models import RuntimeOptions

    kind, ref, link = parameters(notification)
    request = models.SendSmsRequest(
        phone_numbers=number.removeprefix("+86"),  # Alibaba takes the 11 digits for the mainland
        sign_name=settings.SMS_SIGN_NAME,
        template_code=template_for(notification.kind),
        template_param=json.dumps({"kind": kind, "ref": ref, "link": link}, ensure_ascii=False),
    )
    timeout_ms = int(settings.CHANNEL_TIMEOUT * 1000)
    runtime = RuntimeOptions(read_timeout=timeout_ms, connect_timeout=timeout_ms, autoretry=False)
    try:
        response = connection.client.send_sms_with_options(request, runtime)
    except Exception as error:  # noqa: BLE001 — the SDK's ClientException/ServerException (a wrong key: SignatureDoesNotMatch,
        # InvalidAccessKeyId.NotFound), or the request's own errors (a timeout)
        code = getattr(error, "code", None) or type(error).__name__
        message = getattr(error, "message", None) or str(error)
        raise ProviderError(code, str(message)[:500]) from None
    body = response.body
    if body is None or body.code != "OK":
        # e.g. isv.BUSINESS_LIMIT_CONTROL (too many to this number), isv.SMS_TEMPLATE_ILLEGAL.
        raise ProviderError(getattr(body, "code", "NoBody"), getattr(body, "message", "") or "")
    return body.biz_id or ""


class SmsChannel(ExternalChannel):
    kind = Delivery.Channel.SMS

    @property
    def is_configured(self):
        needed = (settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY, settings.SMS_SIGN_NAME, settings.SMS_TEMPLATE)
        return settings.SMS_PROVIDER in PROVIDERS and all(needed) and (settings.SMS_PROVIDER != "tencent" or bool(settings.SMS_APP_ID))

    @property
    def provider(self):
        if not self.is_configured:
            return ""
        return named(PROVIDERS[settings.SMS_PROVIDER], settings.SMS_ENDPOINT)

    def address_of(self, user):
        return text_of(user.mobile)

    def connection(self):
        return AliyunConnection() if settings.SMS_PROVIDER == "aliyun" else TencentConnection()

    def send(self, delivery, connection):
        notification = delivery.notification
        number = self.address_of(notification.recipient)
        if settings.SMS_PROVIDER == "aliyun":
            return _send_aliyun(connection, notification, number)
        return _send_tencent(connection, notification, number)
