"""Settings for bench/pages_bench.py only: the project's real settings (config.settings) as
production runs them (DEBUG off), served over plain HTTP on loopback, plus a benchmark-only
URLconf with a bare view (the ceiling). Never used by the product."""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-6f1d2c9a8b7e5d4c3b2a1f0e")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings import *  # noqa: E402,F401,F403
from config.settings import STORAGES  # noqa: E402

DEBUG = False
ROOT_URLCONF = "bench.bench_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# Plain HTTP on loopback (in production TLS is terminated in front of gunicorn).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# wrk replays one session from one address: no lockout bookkeeping.
AXES_ENABLED = False
# No collectstatic needed: plain storage, {% static %} needs no manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# In production a submit queues "send the e-mails" as one message to Redis for a worker; here the
# message goes to an in-process memory broker (no worker, no Redis shared with anyone), so the
# benchmark measures the request, not e-mail delivery (the default without REDIS_URL runs the
# task in-process).
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = False
# wrk sends thousands of requests a second with one token: the per-token limit (600/min by
# default) would answer most of them 429. The limit is measured apart, not here.
API_RATE_LIMIT = "100000000/min"
# The benchmark's users sign in with their password only (the second factor is one request at the
# start of a session, not part of each page's cost; in production it is on: REQUIRE_2FA_FOR_STAFF).
REQUIRE_2FA_FOR_STAFF = False
