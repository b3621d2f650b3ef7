"""The Jinja2 environment of the hot tables (config/jinja.py): its date filter writes what Django's
writes."""

import datetime
import zoneinfo

import pytest
from django.template import defaultfilters
from django.utils import timezone

from config.jinja import _date

MOMENTS = [
    datetime.datetime(2026, 2, 3, 16, 5, tzinfo=datetime.UTC),  # 2026-02-04 00:05 in Beijing
    datetime.datetime(2026, 12, 31, 23, 59, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),
]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("fmt", ["Y-m-d", "Y-m-d H:i"])
def test_a_moment_is_written_in_local_time_as_django_writes_it(moment, fmt):
    assert _date(moment, fmt) == defaultfilters.date(timezone.template_localtime(moment), fmt)


def test_a_moment_shows_the_beijing_date():
    assert _date(MOMENTS[0], "Y-m-d H:i") == "2026-02-04 00:05"


def test_a_date_is_written_as_django_writes_it():
    day = datetime.date(2026, 3, 9)
    assert _date(day, "Y-m-d") == defaultfilters.date(day, "Y-m-d") == "2026-03-09"


def test_other_formats_and_empty_values_go_through_django():
    assert _date(datetime.date(2026, 3, 9), "n月j日") == "3月9日"
    assert _date(None, "Y-m-d") == "" and _date("", "Y-m-d") == ""
