"""The access log is append-only in the database (PostgreSQL): no UPDATE, no DELETE, ever.

Like payments' ledger guards: a trigger raising SQLSTATE 23000, which Django reports as
an IntegrityError; SQLite (``make run``) has none, and there only the code keeps the rule.
TRUNCATE is left to the database owner (a test database flush), as for the ledger.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION privacy_accesslogentry_guard() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % of row % refused', TG_OP, OLD.id
        USING ERRCODE = '23000';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_accesslogentry_guard BEFORE UPDATE OR DELETE ON privacy_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION privacy_accesslogentry_guard();
"""


def add_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS privacy_accesslogentry_guard ON privacy_accesslogentry")
        schema_editor.execute("DROP FUNCTION IF EXISTS privacy_accesslogentry_guard()")


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(add_guard, drop_guard)]
