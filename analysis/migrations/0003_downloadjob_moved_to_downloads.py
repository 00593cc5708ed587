from django.db import migrations


class Migration(migrations.Migration):
    """DownloadJob belongs to the downloads app now; its table (and rows) stay where they are."""

    dependencies = [("analysis", "0002_download_jobs")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DownloadJob")], database_operations=[]
        )
    ]
