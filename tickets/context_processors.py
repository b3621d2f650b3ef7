from .models import Notification


def navigation(request):
    """The role of the person looking and their unread notifications, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_role": user.role,
        # Lazy: counted only when a template shows it (one indexed COUNT).
        "unread_notifications": lambda: Notification.objects.filter(recipient=user).unread().count(),
    }
