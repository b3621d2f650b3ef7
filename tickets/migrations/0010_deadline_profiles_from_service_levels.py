"""Data for DESIGN.md §8: every category's service levels (and its SLA policies per priority) become
its deadline profiles with the same sign and resolution times; the new stages start at the sign
time (first contact), the resolution time (co-feedback) and a month or the resolution time if
longer (complex). Existing assignments get their state from their signing and ending, and
extension requests the assignment they were about. Old lead assignments have no contact
deadline, so the contact rate counts only assignments made from now on (Ticket.lead_assignments
starts at 0 for them, and the timeline replay counts assignments with a contact deadline)."""

from django.db import migrations
from django.db.models import F

COMPLEX_AT_LEAST = 22  # working days: about a month (13710's "major problems within a month")


def _profile(DeadlineProfile, *, category, priority, name, response_days, resolution_days):
    resolution_days = max(1, resolution_days)
    response_days = min(response_days, resolution_days)
    return DeadlineProfile(
        category=category,
        priority=priority,
        name=name[:50],
        response_days=response_days,
        contact_days=response_days,
        co_feedback_days=resolution_days,
        resolution_days=resolution_days,
        complex_resolution_days=max(resolution_days, COMPLEX_AT_LEAST),
    )


def forwards(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    SLAPolicy = apps.get_model("tickets", "SLAPolicy")
    DeadlineProfile = apps.get_model("tickets", "DeadlineProfile")
    Assignment = apps.get_model("tickets", "Assignment")
    ExtensionRequest = apps.get_model("tickets", "ExtensionRequest")
    profiles = [
        _profile(DeadlineProfile, category=c, priority="", name=c.name, response_days=c.response_days, resolution_days=c.resolution_days)
        for c in Category.objects.all()
    ]
    profiles += [
        _profile(
            DeadlineProfile, category=p.category, priority=p.priority, name=f"{p.category.name} {p.priority}",
            response_days=p.response_days, resolution_days=p.resolution_days,
        )
        for p in SLAPolicy.objects.select_related("category")
    ]
    DeadlineProfile.objects.bulk_create(profiles)
    Assignment.objects.filter(ended_at__isnull=False).update(state="ended")
    Assignment.objects.filter(ended_at__isnull=True, signed_at__isnull=False).update(state="signed")
    Assignment.objects.update(first_due_date=F("due_date"))
    for request in ExtensionRequest.objects.filter(assignment__isnull=True).iterator():
        assignment = (
            Assignment.objects.filter(ticket_id=request.ticket_id, department_id=request.department_id, assigned_at__lte=request.created_at)
            .order_by("-assigned_at")
            .first()
        )
        if assignment is not None:
            ExtensionRequest.objects.filter(pk=request.pk).update(assignment=assignment)




class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_co_handling_and_deadline_profiles")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
