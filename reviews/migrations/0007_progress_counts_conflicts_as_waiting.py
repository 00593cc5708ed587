"""Progress rows recounted: a record in conflict now counts as waiting for its stage (blindness).

``decided_waiting`` counts a reviewer's decisions on records still unresolved at the stage, which
now includes records in conflict, so the rows kept before are recounted from the decisions.
Statuses are spelled here, not imported, so the migration stays as it is when the code moves on.
"""

from django.db import migrations
from django.db.models import Count, Q

UNRESOLVED = {
    "title_abstract": ("title_abstract", "ta_conflict"),
    "full_text": ("full_text", "ft_conflict"),
}


def recount(apps, schema_editor, unresolved=UNRESOLVED):
    ScreeningDecision = apps.get_model("reviews", "ScreeningDecision")
    ScreeningProgress = apps.get_model("reviews", "ScreeningProgress")
    waiting = Q()
    for stage, statuses in unresolved.items():
        waiting |= Q(stage=stage, record__status__in=statuses)
    rows = (
        ScreeningDecision.objects.values("record__review_id", "reviewer_id", "stage")
        .annotate(decided=Count("id"), decided_waiting=Count("id", filter=waiting))
        .order_by()
    )
    ScreeningProgress.objects.all().delete()
    ScreeningProgress.objects.bulk_create(
        (
            ScreeningProgress(
                review_id=row["record__review_id"],
                reviewer_id=row["reviewer_id"],
                stage=row["stage"],
                decided=row["decided"],
                decided_waiting=row["decided_waiting"],
            )
            for row in rows.iterator()
        ),
        batch_size=1000,
    )


def recount_without_conflicts(apps, schema_editor):
    """Back to the earlier meaning: only records waiting (not in conflict) count."""
    recount(apps, schema_editor, unresolved={stage: statuses[:1] for stage, statuses in UNRESOLVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_screening_progress_indexes"),
    ]

    operations = [
        migrations.RunPython(recount, recount_without_conflicts),
    ]
