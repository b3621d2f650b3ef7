from .models import Notification


def navigation(request):
    """The unread notifications of the person looking, for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        # Lazy: counted only when a template shows it (one indexed COUNT).
        "unread_notifications": lambda: Notification.objects.filter(recipient=user).unread().count(),
    }
