"""The ledger's rules in the database (PostgreSQL): money rows are facts.

- A succeeded payment or refund keeps its amount, currency, booking (and a refund its
  payment), method and status forever; a correction is a new row.
- No payment or refund row is ever deleted, pending or not.
- A refund's booking is its payment's booking (a composite foreign key onto a unique
  ``(id, booking_id)`` of payments), so per-booking sums cannot mix two bookings' money.

Triggers raise SQLSTATE 23000 (integrity_constraint_violation), which Django reports as
an ``IntegrityError``. Written as SQL in a vendor-checking step, as schedules' exclusion
constraints are: SQLite (``make run``) gets none of it, and there the services alone
keep the rule.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'a % row is never deleted (id %)', TG_TABLE_NAME, OLD.id
            USING ERRCODE = '23000';
    END IF;
    IF OLD.status = 'succeeded' AND ({changed}) THEN
        RAISE EXCEPTION 'a succeeded % row is never edited (id %): record a new row instead', TG_TABLE_NAME, OLD.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}();
"""

FROZEN = {
    "payments_payment": ("amount", "currency", "booking_id", "method", "status"),
    "payments_refund": ("amount", "currency", "booking_id", "payment_id", "method", "status"),
}


def _guard_name(table: str) -> str:
    return f"{table}_ledger_guard"


def add_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in FROZEN.items():
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
        schema_editor.execute(GUARD.format(name=_guard_name(table), table=table, changed=changed), params=None)
    schema_editor.execute(
        "ALTER TABLE payments_payment ADD CONSTRAINT payment_id_booking_unique UNIQUE (id, booking_id)"
    )
    schema_editor.execute(
        "ALTER TABLE payments_refund ADD CONSTRAINT refund_booking_is_payments_booking "
        "FOREIGN KEY (payment_id, booking_id) REFERENCES payments_payment (id, booking_id)"
    )


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE payments_refund DROP CONSTRAINT IF EXISTS refund_booking_is_payments_booking")
    schema_editor.execute("ALTER TABLE payments_payment DROP CONSTRAINT IF EXISTS payment_id_booking_unique")
    for table in FROZEN:
        name = _guard_name(table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(add_guards, drop_guards)]
