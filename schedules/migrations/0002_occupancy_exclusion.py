"""DESIGN invariant 2 in the database: no practitioner and no room is ever in two
places at once.

PostgreSQL only (SQLite, used by `make run`, has no exclusion constraints; there the
services' pre-checks and serialised writers keep the rule). Written as SQL in a
vendor-checking step instead of `Meta.constraints`, because Django would otherwise
try to validate and create them on SQLite too. Ranges are half-open `[)`, so a class
ending at 10:00 and one starting at 10:00 do not overlap.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = {
    "occupancy_practitioner_no_overlap": "practitioner_id",
    "occupancy_room_no_overlap": "room_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE schedules_occupancy ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            f"WHERE ({column} IS NOT NULL)"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE schedules_occupancy DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("schedules", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
