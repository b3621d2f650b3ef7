"""Benchmark-only URLconf: the product's URLs plus /bench/ping/, a bare view through the whole
middleware stack (the ceiling of requests/s). Used only with bench.bench_settings."""

from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ping/", ping),
    path("", include("config.urls")),
]
