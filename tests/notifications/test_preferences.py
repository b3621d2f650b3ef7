"""Each person's channels per kind of notification (tickets.notifications.preferences): the page,
unavailable channels, urgent kinds keeping an external channel (refused, nothing saved), and the
outbox writing deliveries only for the chosen channels, without a query per recipient."""

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.models import User
from tickets.notifications import outbox
from tickets.notifications.preferences import URGENT


@pytest.fixture
def signed_in(client, person):
    User.objects.filter(pk=person.pk).update(email="zhangwei@example.gov.cn")
    person.refresh_from_db()
    client.force_login(person)
    return client


def _rows(user, kind):
    return outbox.rows_for(kind, [user], ticket_id=None, reference="", subject="s", body="b", now=timezone.now())


def _channels(user, kind):
    return [channel for channel, _status in _rows(user, kind)[0][-1]]


def _form(**ticked):
    """Everything ticked, except the kinds given: kind=[channels ticked]."""
    from tickets.models import Notification

    data = {}
    for kind in Notification.Kind.values:
        for channel in ticked.get(kind, ["email", "sms", "wecom", "dingtalk"]):
            data[f"{kind}:{channel}"] = "1"
    return data


def test_the_page_is_linked_from_the_header_and_shows_channels_off_or_without_address_unavailable(signed_in, sms):
    home = signed_in.get(reverse("notification_list")).content.decode()
    assert reverse("notification_preferences") in home
    page = signed_in.get(reverse("notification_preferences")).content.decode()
    assert page.count("未配置") == 2  # WeCom and DingTalk are off; SMS is on, e-mail always
    import re

    assert re.search(r'name="overdue:sms"[^>]*checked>', page)  # on, with an address: available and ticked
    assert re.search(r'name="overdue:wecom"[^>]*disabled>', page)  # off: unavailable
    assert not re.search(r'name="overdue:email"[^>]*disabled>', page)


def test_switching_a_channel_off_for_a_kind_is_saved_and_the_outbox_follows_it(signed_in, person, sms):
    response = signed_in.post(reverse("notification_preferences"), _form(digest=["email"], overdue=["sms"]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.channel_preferences["digest"] == ["sms"] and person.channel_preferences["overdue"] == ["email"]
    assert _channels(person, "digest") == ["email"]
    assert _channels(person, "overdue") == ["sms"]
    assert _channels(person, "assigned") == ["email", "sms"]


def test_an_urgent_kind_cannot_lose_every_external_channel_nothing_saved(signed_in, person, sms):
    assert {"supervised", "overdue", "long_overdue"} == set(URGENT)
    response = signed_in.post(reverse("notification_preferences"), _form(long_overdue=[], digest=["email"]))
    assert response.status_code == 200
    assert "紧急通知须至少保留一个站内以外的渠道" in response.content.decode()
    person.refresh_from_db()
    assert person.channel_preferences == {}


def test_a_channel_not_available_keeps_its_earlier_setting(signed_in, person, sms, settings):
    signed_in.post(reverse("notification_preferences"), _form(digest=["email"]))
    settings.SMS_PROVIDER = ""  # SMS off now: the page cannot change it
    signed_in.post(reverse("notification_preferences"), _form())
    person.refresh_from_db()
    assert person.channel_preferences == {"digest": ["sms"]}


def test_the_outbox_reads_preferences_without_a_query_per_recipient(db, sms, django_assert_num_queries):
    people = [
        User.objects.create(username=f"p{n}", role=User.Role.DISPATCHER, email=f"p{n}@example.gov.cn", mobile="+8613812345678")
        for n in range(30)
    ]
    User.objects.filter(username__in=["p1", "p2"]).update(channel_preferences={"digest": ["sms"]})
    people = list(User.objects.order_by("username"))
    with django_assert_num_queries(0):
        rows = outbox.rows_for("digest", people, ticket_id=None, reference="", subject="s", body="b", now=timezone.now())
    by_person = {row[0]: [c for c, _s in row[-1]] for row in rows}
    assert sum(channels == ["email"] for channels in by_person.values()) == 2
    assert sum(channels == ["email", "sms"] for channels in by_person.values()) == 28


def test_a_daily_digest_goes_over_the_chosen_channels_only(db, sms):
    user = User.objects.create(username="u", role=User.Role.DISPATCHER, email="u@example.gov.cn", mobile="+8613812345678")
    user.channel_preferences = {"digest": ["email"]}
    from tickets.notifications import message_row

    row = message_row(user, "digest", "s", "b", "", timezone.now())
    assert [c for c, _s in row[-1]] == ["sms"]


@pytest.mark.parametrize(
    ("role", "heard", "not_heard"),
    [
        ("company", ["rejected", "resolved", "case_history"], ["submitted", "overdue", "bulletin", "visits_due"]),
        ("liaison", ["resolved", "visits_due"], ["assigned", "bulletin"]),
        ("dispatcher", ["submitted", "return_requested", "supervised", "verification_due"], ["assigned", "case_history"]),
        ("supervisor", ["overdue", "rating_review_requested", "bulletin"], ["assigned", "submitted"]),
        ("leader", ["long_overdue", "supervised", "bulletin"], ["assigned", "digest"]),
    ],
)
def test_the_page_lists_the_kinds_the_persons_role_is_told_about(db, client, role, heard, not_heard):
    from tests.factories import EnterpriseFactory, UserFactory

    person = UserFactory(role=role, enterprise=EnterpriseFactory() if role == "company" else None)
    client.force_login(person)
    page = client.get(reverse("notification_preferences")).content.decode()
    for kind in heard:
        assert f'name="{kind}:email"' in page, kind
    for kind in not_heard:
        assert f'name="{kind}:email"' not in page, kind


def test_saving_the_page_keeps_the_choices_of_the_kinds_it_does_not_list(signed_in, person, sms):
    from tickets.notifications.recipients import kinds_heard_by

    person.channel_preferences = {"submitted": ["sms"]}
    person.save(update_fields=["channel_preferences"])
    assert "submitted" not in kinds_heard_by(person)
    shown = {key: value for key, value in _form().items() if key.split(":")[0] in kinds_heard_by(person)}
    assert signed_in.post(reverse("notification_preferences"), shown).status_code == 302
    person.refresh_from_db()
    assert person.channel_preferences == {"submitted": ["sms"]}
