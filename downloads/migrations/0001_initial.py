import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """DownloadJob moved here from analysis: the state is created on the existing table."""

    initial = True

    dependencies = [
        ("analysis", "0003_downloadjob_moved_to_downloads"),
        ("reviews", "0006_screening_progress_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="DownloadJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("bundle", "Reproducibility bundle (zip)"),
                                    ("data_xlsx", "Extracted data (XLSX)"),
                                ],
                                max_length=12,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=8,
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0, help_text="Percent done")),
                        ("step", models.CharField(blank=True, max_length=200)),
                        ("error", models.TextField(blank=True)),
                        (
                            "data_version",
                            models.BigIntegerField(
                                blank=True, help_text="The data version the file shows", null=True
                            ),
                        ),
                        ("file_name", models.CharField(blank=True, max_length=200)),
                        ("content_type", models.CharField(blank=True, max_length=100)),
                        ("content", models.BinaryField(blank=True, null=True)),
                        ("size", models.PositiveBigIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "requested_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "review",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="download_jobs",
                                to="reviews.review",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "analysis_downloadjob",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["review", "requested_by", "created_at"], name="download_job_review_user"
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("progress__lte", 100)), name="download_progress_at_most_100"
                            )
                        ],
                    },
                ),
            ],
        )
    ]
