"""Text messages (短信) through Tencent Cloud SMS (tencentcloud-sdk-python-sms, API 2021-01-11
SendSms, signed TC3-HMAC-SHA256 by the SDK), when SMS_PROVIDER=tencent.

A text message is a registered template (模板) with parameters, never free text: each kind of
notification has its template id (SMS_TEMPLATES, or SMS_TEMPLATE for every kind not listed), and
every template takes three parameters: what happened (the kind, e.g. 已超期), the ticket's
reference, and the link to it. No names or phone numbers of anyone: the recipient signs in to read.
"""

from django.conf import settings

from tickets.models import Delivery, Notification
from tickets.notifications.channels.base import ExternalChannel, ProviderError, named, text_of

# The providers SMS_PROVIDER may name.
PROVIDERS = {"tencent": "Tencent Cloud SMS (腾讯云短信)"}


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


class SmsChannel(ExternalChannel):
    kind = Delivery.Channel.SMS

    @property
    def is_configured(self):
        return settings.SMS_PROVIDER in PROVIDERS and all(
            (settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY, settings.SMS_APP_ID, settings.SMS_SIGN_NAME, settings.SMS_TEMPLATE)
        )

    @property
    def provider(self):
        if not self.is_configured:
            return ""
        return named(PROVIDERS[settings.SMS_PROVIDER], settings.SMS_ENDPOINT)

    def address_of(self, user):
        return text_of(user.mobile)

    def connection(self):
        return TencentConnection()

    def send(self, delivery, connection):
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        notification = delivery.notification
        request = models.SendSmsRequest()
        request.SmsSdkAppId = settings.SMS_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_for(notification.kind)
        request.TemplateParamSet = parameters(notification)
        request.PhoneNumberSet = [self.address_of(notification.recipient)]
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
