from tickets import rules
from tickets.selectors.calls import pending_verification_count
from tickets.selectors.notifications import unread_badge
from tickets.selectors.reviews import pending_rating_review_count
from tickets.selectors.tickets import pending_return_count


def navigation(request):
    """What the header shows the person looking: the unread count, and the menus their role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # Lazy: counted only when a template shows it (one bounded COUNT), as the list counts.
        "unread_notifications": lambda: unread_badge(user),
        # The dispatch queue's menu entry: return requests waiting for a ruling (lazy, one COUNT).
        "pending_returns": (lambda: pending_return_count(user)) if rules.may_rule_returns(user) else 0,
        "may": {
            "submit": rules.may_submit(user),
            "record_visit": rules.may_record_visit(user),
            "oversee_visits": rules.may_oversee_visits(user),
            "decide_extensions": rules.may_decide_extensions(user),
            "view_reports": rules.may_view_reports(user),
            "view_bulletin": rules.may_view_bulletin(user),
            "call": rules.may_call(user),
            "decide_rating_reviews": rules.may_decide_rating_reviews(user),
        },
        # The callers' menu: verification calls still to make (lazy, one indexed COUNT when shown).
        "pending_verification_calls": lambda: pending_verification_count(user),
        # Lazy too: the supervision menu's count of rating reviews waiting for a decision.
        "pending_rating_reviews": lambda: pending_rating_review_count(user),
    }
