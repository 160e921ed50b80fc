"""Load the arXiv taxonomy (archives and categories) so papers can reference it from day one.

Imports coolpapers.papers.taxonomy instead of copying ~200 rows; that module promises to stay
backward compatible (additions and name fixes only). Re-running is safe (update_or_create);
unapplying leaves the rows, which the schema migration before this one drops anyway.
"""

from django.db import migrations

from coolpapers.papers.taxonomy import load_taxonomy


def load(apps, schema_editor):
    load_taxonomy(apps.get_model("papers", "Archive"), apps.get_model("papers", "Category"))


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
