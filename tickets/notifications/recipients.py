"""Who is told: the people of a department, a company's side, a role."""

import logging
from collections import defaultdict
from enterprises.models import User
logger = logging.getLogger(__name__)

# --- who is told -----------------------------------------------------------------------------


def department_staff(department_id):
    return list(User.objects.filter(role=User.Role.DEPARTMENT, department_id=department_id, is_active=True))


def company_sides(enterprise_ids):
    """{enterprise id: its active users and liaison officials}, in two queries per 1000 companies."""
    from enterprises.models import Enterprise

    sides, ids = defaultdict(dict), list(enterprise_ids)
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for user in User.objects.filter(is_active=True, role=User.Role.COMPANY, enterprise_id__in=chunk):
            sides[user.enterprise_id][user.pk] = user
        links = Enterprise.liaisons.through.objects.filter(
            enterprise_id__in=chunk, user__is_active=True, user__role=User.Role.LIAISON
        ).select_related("user")
        for link in links:
            sides[link.enterprise_id][link.user_id] = link.user
    return {enterprise_id: list(users.values()) for enterprise_id, users in sides.items()}


def company_side(enterprise_id):
    """The company's users and its liaison officials."""
    return company_sides([enterprise_id]).get(enterprise_id, [])


def role_members(*roles):
    return list(User.objects.filter(role__in=roles, is_active=True))
