"""Fake providers on 127.0.0.1 that speak the vendors' documented HTTP APIs: Tencent Cloud SMS
(SendSms, 2021-01-11, TC3-HMAC-SHA256 signatures checked), 企业微信 (gettoken, message/send,
access tokens checked and expired on demand) and 钉钉 (gettoken, topapi asyncsend_v2 work
notifications). The tests reach them through the real SDKs; `manage.py fake_providers` serves them
for the demo (scripts/run, when no real provider is configured), and the admin names them as fakes.

Each fake answers what its `script` says for the next request ("ok" when it is empty): "error",
"rate_limit", "timeout" (answers after `delay` seconds), or "expire_token" (every token issued so
far expires, then the request is answered as it would be with an expired token). It records every
message it took in `received`. A wrong key or secret is refused as the vendor refuses it.

Why this is long: four vendors' APIs, each with its own signature or token scheme and its own error
answers, side by side so that what they share (the server, the script of answers) is written once.
"""

import datetime
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# The demo's credentials (scripts/run points the channels at the fakes with these).
DEMO_KEYS = {
    "sms": {"secret_id": "AKIDfakedemo0000000000000000000000", "secret_key": "fake-demo-secret-key-0000000000", "app_id": "1400000000"},
    "wecom": {"corp_id": "wwfakedemo00000000", "secret": "fake-demo-wecom-secret", "agent_id": "1000002"},
    "dingtalk": {"app_key": "dingfakedemo000000", "app_secret": "fake-demo-dingtalk-secret", "agent_id": "2000001"},
}


class FakeProvider:
    """A threaded HTTP server on 127.0.0.1 (port 0: any free one) answering as `handle` says."""

    name = ""
    content_type = "application/json; charset=utf-8"

    def __init__(self, port=0, delay=2.0, **keys):
        self.keys = keys
        self.script = deque()
        self.received = []
        self.delay = delay
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                provider._serve(self, "GET")

            def do_POST(self):
                provider._serve(self, "POST")

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"fake-{self.name}", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def next_answer(self):
        with self._lock:
            return self.script.popleft() if self.script else "ok"

    def next_id(self):
        return next(self._ids)

    def _serve(self, request, method):
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        status, answer = self.handle(method, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}, request.headers, body)
        data = json.dumps(answer, ensure_ascii=False).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", self.content_type)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
            pass

    def wait(self, answer):
        if answer == "timeout":
            time.sleep(self.delay)

    def handle(self, method, path, query, headers, body):
        raise NotImplementedError


# --- Tencent Cloud SMS -------------------------------------------------------------------------


def tc3_signature(secret_key, date, service, string_to_sign):
    """TC3-HMAC-SHA256 (cloud.tencent.com/document/api/382/52071): the signing key derived from
    "TC3" + SecretKey, the date, the service and "tc3_request"."""

    def sign(key, message):
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms(FakeProvider):
    """sms.tencentcloudapi.com: POST / with X-TC-Action: SendSms, a JSON body, signed TC3."""

    name = "tencent-sms"
    content_type = "application/json"  # as Tencent answers (the SDK reads errors only from exactly this)

    def __init__(self, port=0, delay=2.0, secret_id=DEMO_KEYS["sms"]["secret_id"], secret_key=DEMO_KEYS["sms"]["secret_key"], **keys):
        super().__init__(port, delay, secret_id=secret_id, secret_key=secret_key, **keys)

    def _error(self, code, message):
        return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}

    def check_signature(self, headers, body):
        """None if the request is signed with the known key, else the error Tencent answers."""
        auth = headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
            secret_id, date, service, _terminator = fields["Credential"].split("/")
        except (ValueError, KeyError):
            return self._error("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
        if algorithm != "TC3-HMAC-SHA256":
            return self._error("AuthFailure.InvalidAuthorization", "unknown algorithm")
        if secret_id != self.keys["secret_id"]:
            return self._error("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
        timestamp = int(headers.get("X-TC-Timestamp") or 0)
        if abs(time.time() - timestamp) > 300:
            return self._error("AuthFailure.SignatureExpire", "Signature expired.")
        if date != datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d"):
            return self._error("AuthFailure.SignatureFailure", "The credential date does not match the timestamp.")
        signed = fields.get("SignedHeaders", "")
        canonical_headers = "".join(
            f"{name}:{headers.get(name, '').strip().lower() if name == 'host' else headers.get(name, '')}\n" for name in signed.split(";")
        )
        canonical_request = "\n".join(["POST", "/", "", canonical_headers, signed, hashlib.sha256(body).hexdigest()])
        string_to_sign = "\n".join(
            ["TC3-HMAC-SHA256", str(timestamp), f"{date}/{service}/tc3_request", hashlib.sha256(canonical_request.encode()).hexdigest()]
        )
        if not hmac.compare_digest(fields.get("Signature", ""), tc3_signature(self.keys["secret_key"], date, service, string_to_sign)):
            return self._error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."
            )
        return None

    def handle(self, method, path, query, headers, body):
        if method != "POST" or headers.get("X-TC-Action") != "SendSms" or headers.get("X-TC-Version") != "2021-01-11":
            return self._error("InvalidAction", "only SendSms 2021-01-11 is faked")
        refused = self.check_signature(headers, body)
        if refused:
            return refused
        answer = self.next_answer()
        self.wait(answer)
        if answer == "rate_limit":
            return self._error("RequestLimitExceeded", "请求的次数超过了频率限制。")
        if answer == "error":
            return self._error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
        request = json.loads(body)
        if request.get("SmsSdkAppId") != self.keys.get("app_id", request.get("SmsSdkAppId")):
            return self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId 校验失败")
        self.received.append(request)
        statuses = [
            {"SerialNo": f"2433:{self.next_id():020d}", "PhoneNumber": number, "Fee": 1, "SessionContext": "", "Code": "Ok",
             "Message": "send success", "IsoCode": "CN"}
            for number in request.get("PhoneNumberSet", [])
        ]  # fmt: skip
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}


# --- Alibaba Cloud SMS ------------------------------------------------------------------------


def acs3_signature(secret, method, path, query, headers, signed_headers, payload_hash):
    """ACS3-HMAC-SHA256 (help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature):
    the canonical request (method, path, the sorted and percent-encoded query, the signed headers
    lower-cased and sorted, their names, the payload's SHA-256), hashed, then HMAC-SHA256 with the
    AccessKey secret."""
    from urllib.parse import quote

    canonical_query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(query.items()))
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed_headers)
    canonical_request = "\n".join([method, path or "/", canonical_query, canonical_headers, ";".join(signed_headers), payload_hash])
    string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical_request.encode()).hexdigest()
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeAliyunSms(FakeProvider):
    """dysmsapi.aliyuncs.com: POST / with x-acs-action: SendSms, x-acs-version: 2017-05-25, the
    parameters in the query, signed ACS3-HMAC-SHA256."""

    name = "aliyun-sms"

    def __init__(self, port=0, delay=2.0, access_key_id="LTAIfakedemo0000", access_key_secret="fake-demo-aliyun-secret", **keys):
        super().__init__(port, delay, access_key_id=access_key_id, access_key_secret=access_key_secret, **keys)

    def _error(self, status, code, message):
        return status, {"RequestId": str(uuid.uuid4()), "Code": code, "Message": message, "HostId": "dysmsapi.aliyuncs.com"}

    def check_signature(self, method, path, query, headers, body):
        auth = headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        except ValueError:
            return self._error(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        if algorithm != "ACS3-HMAC-SHA256":
            return self._error(400, "IncompleteSignature", "unknown signature algorithm")
        if fields.get("Credential") != self.keys["access_key_id"]:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload_hash:
            return self._error(400, "SignatureDoesNotMatch", "The payload does not match x-acs-content-sha256.")
        signed = fields.get("SignedHeaders", "").split(";")
        if "host" not in signed or "x-acs-date" not in signed:
            return self._error(400, "IncompleteSignature", "host and x-acs-date must be signed")
        expected = acs3_signature(self.keys["access_key_secret"], method, path, query, headers, signed, payload_hash)
        if not hmac.compare_digest(fields.get("Signature", ""), expected):
            return self._error(400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        return None

    def _serve(self, request, method):
        # The query's values are needed as sent (percent-decoded once), and every one of them.
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        status, answer = self.handle_sms(method, parts.path, query, request.headers, body)
        data = json.dumps(answer, ensure_ascii=False).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json;charset=utf-8")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def handle_sms(self, method, path, query, headers, body):
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
            return self._error(400, "InvalidAction.NotFound", "only SendSms 2017-05-25 is faked")
        refused = self.check_signature(method, path, query, headers, body)
        if refused:
            return refused
        answer = self.next_answer()
        self.wait(answer)
        request_id = str(uuid.uuid4())
        if answer == "rate_limit":
            return 200, {"RequestId": request_id, "Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控Permits:10"}
        if answer == "error":
            return 200, {"RequestId": request_id, "Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}
        self.received.append(query)
        return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": f"{self.next_id():06d}^0"}


# --- 企业微信 and 钉钉: access tokens -------------------------------------------------------------


class TokenProvider(FakeProvider):
    """Issues access tokens for the right key and secret and checks them on every call."""

    token_path = ""
    invalid_token, expired_token, rate_limited = (
        (40014, "invalid access_token"),
        (42001, "access_token expired"),
        (45009, "api freq out of limit"),
    )

    def __init__(self, port=0, delay=2.0, **keys):
        super().__init__(port, delay, **keys)
        self.tokens, self.expired = set(), set()
        self.tokens_issued = 0

    def credentials_ok(self, query):
        raise NotImplementedError

    def issue_token(self, query):
        if not self.credentials_ok(query):
            return 200, self.wrong_credentials
        token = uuid.uuid4().hex
        with self._lock:
            self.tokens.add(token)
            self.tokens_issued += 1
        return 200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}

    def check_token(self, query):
        """None if the access token is good, else the error answered."""
        token = query.get("access_token", "")
        if token in self.expired:
            return {"errcode": self.expired_token[0], "errmsg": self.expired_token[1]}
        if token not in self.tokens:
            return {"errcode": self.invalid_token[0], "errmsg": self.invalid_token[1]}
        return None

    def handle(self, method, path, query, headers, body):
        if path == self.token_path:
            return self.issue_token(query)
        answer = self.next_answer()
        if answer == "expire_token":
            with self._lock:
                self.expired |= self.tokens
                self.tokens = set()
        refused = self.check_token(query)
        if refused:
            return 200, refused
        self.wait(answer)
        if answer == "rate_limit":
            return 200, {"errcode": self.rate_limited[0], "errmsg": self.rate_limited[1]}
        return self.message(path, json.loads(body or b"{}"), answer)

    def message(self, path, request, answer):
        raise NotImplementedError


class FakeWeCom(TokenProvider):
    """qyapi.weixin.qq.com/cgi-bin: gettoken?corpid&corpsecret, message/send?access_token."""

    name = "wecom"
    token_path = "/cgi-bin/gettoken"
    wrong_credentials = {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}

    def __init__(
        self,
        port=0,
        delay=2.0,
        corp_id=DEMO_KEYS["wecom"]["corp_id"],
        secret=DEMO_KEYS["wecom"]["secret"],
        agent_id=DEMO_KEYS["wecom"]["agent_id"],
    ):
        super().__init__(port, delay, corp_id=corp_id, secret=secret, agent_id=agent_id)

    def credentials_ok(self, query):
        return query.get("corpid") == self.keys["corp_id"] and query.get("corpsecret") == self.keys["secret"]

    def message(self, path, request, answer):
        if path != "/cgi-bin/message/send":
            return 404, {"errcode": 404, "errmsg": "not faked"}
        if str(request.get("agentid")) != str(self.keys["agent_id"]):
            return 200, {"errcode": 301002, "errmsg": "not allow operate another agent with this accesstoken"}
        if answer == "error" or not request.get("touser"):
            return 200, {"errcode": 81013, "errmsg": "user & party & tag all invalid", "invaliduser": request.get("touser", "")}
        self.received.append(request)
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": f"fake-wecom-{self.next_id()}"}


class FakeDingTalk(TokenProvider):
    """oapi.dingtalk.com: gettoken?appkey&appsecret, topapi/message/corpconversation/asyncsend_v2."""

    name = "dingtalk"
    token_path = "/gettoken"
    rate_limited = (90018, "该应用调用频率超过限制")
    expired_token = (42001, "access_token超时")
    invalid_token = (40014, "不合法的access_token")
    wrong_credentials = {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}

    def __init__(
        self,
        port=0,
        delay=2.0,
        app_key=DEMO_KEYS["dingtalk"]["app_key"],
        app_secret=DEMO_KEYS["dingtalk"]["app_secret"],
        agent_id=DEMO_KEYS["dingtalk"]["agent_id"],
    ):
        super().__init__(port, delay, app_key=app_key, app_secret=app_secret, agent_id=agent_id)

    def credentials_ok(self, query):
        return query.get("appkey") == self.keys["app_key"] and query.get("appsecret") == self.keys["app_secret"]

    def message(self, path, request, answer):
        if path != "/topapi/message/corpconversation/asyncsend_v2":
            return 404, {"errcode": 404, "errmsg": "not faked"}
        if str(request.get("agent_id")) != str(self.keys["agent_id"]):
            return 200, {"errcode": 400002, "errmsg": "agent_id 不合法"}
        if answer == "error" or not request.get("userid_list"):
            return 200, {"errcode": 33012, "errmsg": "无效的userid"}
        self.received.append(request)
        return 200, {"errcode": 0, "errmsg": "ok", "task_id": 256000 + self.next_id(), "request_id": uuid.uuid4().hex}


FAKES = {"sms": FakeTencentSms, "aliyun-sms": FakeAliyunSms, "wecom": FakeWeCom, "dingtalk": FakeDingTalk}
