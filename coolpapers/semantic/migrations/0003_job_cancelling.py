"""The job status shared with ingestion (coolpapers.jobs.status) gained "cancelling"."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("semantic", "0002_embeddingchunk"),
    ]

    operations = [
        migrations.AlterField(
            model_name="embeddingjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("cancelling", "Cancelling"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                db_index=True,
                default="queued",
                max_length=16,
            ),
        ),
    ]
