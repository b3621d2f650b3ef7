"""企业微信 (WeCom) application messages (应用消息) from the city's self-built app, through
wechatpy's WeCom client: a text card to the person's UserID with the notification's subject and
the link; its access token cached (tickets.notifications.channels.tokens) and fetched again when
the API says it is invalid or expired (wechatpy retries once on 40001/40014/42001)."""

import requests
from django.conf import settings

from tickets.models import Delivery
from tickets.notifications.channels.base import ExternalChannel, ProviderError, named, text_of
from tickets.notifications.channels.tokens import CacheStorage


class _TimedSession(requests.Session):
    """Every request waits at most CHANNEL_TIMEOUT (wechatpy fetches its token without one)."""

    def request(self, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = settings.CHANNEL_TIMEOUT
        return super().request(*args, **kwargs)


def client():
    """wechatpy's WeCom client pointed at WECOM_API_BASE_URL (its token URL too)."""
    from wechatpy.enterprise import WeChatClient

    base = settings.WECOM_API_BASE_URL.rstrip("/") + "/"

    class CityWeComClient(WeChatClient):
        API_BASE_URL = base

        def fetch_access_token(self):
            return self._fetch_access_token(url=base + "gettoken", params={"corpid": self.corp_id, "corpsecret": self.secret})

    wecom = CityWeComClient(settings.WECOM_CORP_ID, settings.WECOM_SECRET, session=CacheStorage(), timeout=settings.CHANNEL_TIMEOUT)
    wecom._http = _TimedSession()
    return wecom


class WeComConnection:
    def __init__(self):
        self.client = None

    def open(self):
        self.client = client()

    def close(self):
        if self.client is not None:
            self.client._http.close()
        self.client = None


class WeComChannel(ExternalChannel):
    kind = Delivery.Channel.WECOM

    @property
    def is_configured(self):
        return all((settings.WECOM_CORP_ID, settings.WECOM_AGENT_ID, settings.WECOM_SECRET))

    @property
    def provider(self):
        if not self.is_configured:
            return ""
        return named("企业微信 " + settings.WECOM_API_BASE_URL, settings.WECOM_API_BASE_URL)

    def address_of(self, user):
        return text_of(user.wecom_userid)

    def connection(self):
        return WeComConnection()

    def send(self, delivery, connection):
        from wechatpy.exceptions import WeChatClientException

        notification = delivery.notification
        try:
            answer = connection.client.message.send_text_card(
                settings.WECOM_AGENT_ID,
                [self.address_of(notification.recipient)],
                title=notification.subject[:128],
                description=str(notification.get_kind_display()),
                url=settings.SITE_URL + (notification.url or "/"),
            )
        except WeChatClientException as error:
            raise ProviderError(error.errcode if error.errcode is not None else "HTTP", str(error.errmsg or error)) from None
        if answer.get("invaliduser"):
            raise ProviderError(81013, f"invaliduser {answer['invaliduser']}")
        return str(answer.get("msgid") or "")
