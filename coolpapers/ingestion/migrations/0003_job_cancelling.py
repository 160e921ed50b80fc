"""A "cancelling" status: staff asked a running job to stop and its worker has not confirmed.

Running jobs already asked to stop (cancel_requested) become cancelling, as they would now."""

from django.db import migrations, models


def running_and_asked_to_stop_is_cancelling(apps, schema_editor) -> None:
    job = apps.get_model("ingestion", "IngestionJob")
    job.objects.filter(status="running", cancel_requested=True).update(status="cancelling")


def cancelling_is_running_again(apps, schema_editor) -> None:
    job = apps.get_model("ingestion", "IngestionJob")
    job.objects.filter(status="cancelling").update(status="running")


class Migration(migrations.Migration):
    dependencies = [
        ("ingestion", "0002_job_lease"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ingestionjob",
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
        migrations.RunPython(running_and_asked_to_stop_is_cancelling, cancelling_is_running_again),
    ]
