"""The demo's channel addresses (DESIGN.md §12): so that, with the fake providers scripts/run
starts, the demo shows deliveries on every channel. Called by enterprises.demo once its people
exist, before its stories write their notifications.

- a mobile number for everyone who has a phone (normalised to E.164), else one made up;
- a 企业微信 UserID for city staff (not the companies: the city's WeCom is its own staff's);
- a 钉钉 userid for department staff and liaisons;
- the first company contact without any of them, so the admin shows "no address" too.
"""

from enterprises.models import User
from enterprises.validators import normalize_mobile

CITY_STAFF = [User.Role.LIAISON, User.Role.DEPARTMENT, User.Role.DISPATCHER, User.Role.SUPERVISOR, User.Role.LEADER, User.Role.ADMIN]
DINGTALK_ROLES = [User.Role.DEPARTMENT, User.Role.LIAISON]


def _mobile(user, index):
    try:
        return normalize_mobile(user.phone) or f"+86139{index:08d}"
    except Exception:  # noqa: BLE001 — a demo phone that is a landline
        return f"+86139{index:08d}"


def add_addresses():
    people = list(User.objects.order_by("pk"))
    first_company = next((user.pk for user in people if user.is_company), None)
    for index, user in enumerate(people, 1):
        if user.pk == first_company:
            continue
        user.mobile = _mobile(user, index)
        user.wecom_userid = user.username if user.role in CITY_STAFF else ""
        user.dingtalk_userid = f"ding-{user.username}" if user.role in DINGTALK_ROLES else ""
    User.objects.bulk_update(people, ["mobile", "wecom_userid", "dingtalk_userid"], batch_size=500)
    return len(people)
