"""钉钉 (DingTalk) work notifications (工作通知) from the city's internal app (企业内部应用):
the open API's topapi/message/corpconversation/asyncsend_v2 to the person's userid, a text
message: the notification's subject and the link.

Why not an SDK: the maintained SDK (alibabacloud-dingtalk, the api.dingtalk.com "new" API) has no
work-notification call — 工作通知 is only on the oapi.dingtalk.com API — so this module calls it
over requests, as DingTalk documents it: gettoken?appkey&appsecret, then asyncsend_v2 with the
token; the token is cached (tickets.notifications.channels.tokens) and fetched again once when the
API answers 40014 (invalid) or 42001 (expired).
"""

import requests
from django.conf import settings

from tickets.models import Delivery
from tickets.notifications.channels.base import ExternalChannel, ProviderError, named, text_of
from tickets.notifications.channels.tokens import CacheStorage

TOKEN_REFUSED = (40014, 42001)


class DingTalkClient:
    def __init__(self):
        self.base = settings.DINGTALK_API_BASE_URL.rstrip("/")
        self.http = requests.Session()
        self.tokens = CacheStorage()
        self.key = f"dingtalk:{settings.DINGTALK_APP_KEY}"

    def _answer(self, response):
        try:
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as error:
            raise ProviderError(f"HTTP {response.status_code}", str(error)[:200]) from None

    def fetch_token(self):
        answer = self._answer(
            self.http.get(
                self.base + "/gettoken",
                params={"appkey": settings.DINGTALK_APP_KEY, "appsecret": settings.DINGTALK_APP_SECRET},
                timeout=settings.CHANNEL_TIMEOUT,
            )
        )
        if answer.get("errcode"):
            raise ProviderError(answer["errcode"], answer.get("errmsg", ""))
        self.tokens.set(self.key, answer["access_token"], int(answer.get("expires_in") or 7200))
        return answer["access_token"]

    def post(self, path, data):
        token = self.tokens.get(self.key) or self.fetch_token()
        for attempt in (1, 2):
            answer = self._answer(
                self.http.post(self.base + path, params={"access_token": token}, json=data, timeout=settings.CHANNEL_TIMEOUT)
            )
            if answer.get("errcode") in TOKEN_REFUSED and attempt == 1:
                self.tokens.delete(self.key)
                token = self.fetch_token()
                continue
            if answer.get("errcode"):
                raise ProviderError(answer["errcode"], answer.get("errmsg", ""))
            return answer
        raise AssertionError("unreachable")

    def close(self):
        self.http.close()


class DingTalkConnection:
    def __init__(self):
        self.client = None

    def open(self):
        self.client = DingTalkClient()

    def close(self):
        if self.client is not None:
            self.client.close()
        self.client = None


class DingTalkChannel(ExternalChannel):
    kind = Delivery.Channel.DINGTALK

    @property
    def is_configured(self):
        return all((settings.DINGTALK_APP_KEY, settings.DINGTALK_APP_SECRET, settings.DINGTALK_AGENT_ID))

    @property
    def provider(self):
        if not self.is_configured:
            return ""
        return named("钉钉 " + settings.DINGTALK_API_BASE_URL, settings.DINGTALK_API_BASE_URL)

    def address_of(self, user):
        return text_of(user.dingtalk_userid)

    def connection(self):
        return DingTalkConnection()

    def send(self, delivery, connection):
        notification = delivery.notification
        link = settings.SITE_URL + (notification.url or "/")
        message = {"msgtype": "text", "text": {"content": f"{notification.subject}\n{link}"}}
        request = {"agent_id": int(settings.DINGTALK_AGENT_ID), "userid_list": self.address_of(notification.recipient), "msg": message}
        answer = connection.client.post("/topapi/message/corpconversation/asyncsend_v2", request)
        return str(answer.get("task_id") or "")
