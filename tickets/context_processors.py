def navigation(request):
    """The role of the person looking, for the header's menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_role": user.role}
