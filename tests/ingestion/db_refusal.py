"""A real database refusal for one paper on both SQLite and PostgreSQL: a trigger that raises a
constraint error when that paper's row is written, as a CHECK constraint would."""

from __future__ import annotations

from django.db import connection

from coolpapers.papers.models import Paper

REASON = "refused by the test trigger"


def refuse_paper(arxiv_id: str) -> None:
    """Make the database refuse every insert or update of `arxiv_id` (in the test's transaction,
    so it is rolled back with it)."""
    table = connection.ops.quote_name(Paper._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for event in ("INSERT", "UPDATE"):
                cursor.execute(
                    f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON {table} "
                    f"WHEN NEW.arxiv_id = '{arxiv_id}' BEGIN SELECT RAISE(ABORT, '{REASON}'); END"
                )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_paper() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION '{REASON}' USING ERRCODE = 'check_violation'; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_paper BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
                f"WHEN (NEW.arxiv_id = '{arxiv_id}') EXECUTE FUNCTION refuse_paper()"
            )
