"""Invariant 2 with tentative holds: a request awaiting the therapist's answer holds
its time against firm bookings, but two requests may overlap (the therapist picks
one; approving turns the hold firm, and the constraints then refuse the second).

Per column (practitioner, room) two exclusion constraints replace migration 0002's one:
- firm against firm: as before, restricted to rows that are not tentative;
- firm against tentative: ``is_tentative WITH <>`` makes rows conflict only when one
  is tentative and the other firm.
Together they forbid every overlap except tentative against tentative. PostgreSQL
only, like 0002.
"""

from django.db import migrations

COLUMNS = {"practitioner": "practitioner_id", "room": "room_id"}
RANGE = "tstzrange(starts_at, ends_at, '[)') WITH &&"


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in COLUMNS.items():
        schema_editor.execute(f"ALTER TABLE schedules_occupancy DROP CONSTRAINT IF EXISTS occupancy_{name}_no_overlap")
        schema_editor.execute(
            f"ALTER TABLE schedules_occupancy ADD CONSTRAINT occupancy_{name}_no_overlap EXCLUDE USING gist "
            f"({column} WITH =, {RANGE}) WHERE ({column} IS NOT NULL AND NOT is_tentative)"
        )
        schema_editor.execute(
            f"ALTER TABLE schedules_occupancy ADD CONSTRAINT occupancy_{name}_no_overlap_hold EXCLUDE USING gist "
            f"({column} WITH =, {RANGE}, is_tentative WITH <>) WHERE ({column} IS NOT NULL)"
        )


def restore_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in COLUMNS.items():
        schema_editor.execute(
            f"ALTER TABLE schedules_occupancy DROP CONSTRAINT IF EXISTS occupancy_{name}_no_overlap_hold"
        )
        schema_editor.execute(f"ALTER TABLE schedules_occupancy DROP CONSTRAINT IF EXISTS occupancy_{name}_no_overlap")
        schema_editor.execute(
            f"ALTER TABLE schedules_occupancy ADD CONSTRAINT occupancy_{name}_no_overlap EXCLUDE USING gist "
            f"({column} WITH =, {RANGE}) WHERE ({column} IS NOT NULL)"
        )


class Migration(migrations.Migration):
    dependencies = [("schedules", "0004_therapy")]

    operations = [migrations.RunPython(add_constraints, restore_constraints)]
