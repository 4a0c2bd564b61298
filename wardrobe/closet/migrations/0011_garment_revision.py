# Issue 18 point 10: each garment's revision, written by triggers on every write of the garment's row and
# of its colour, season and tag rows; closet/version_models.py (GarmentRevision) says why and what the value is.

from django.db import migrations, models

#: The tables of a garment's own rows (their ``garment_id`` names the garment).
RELATED = ["closet_garmentcolor", "wardrobe_garment_seasons", "closet_tag_garments"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION garment_revision_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.revision := nextval('closet_closetversion_seq');
  RETURN NEW;
END $$;
"""
# The garment's row is updated (revision 0, replaced by garment_revision_new) by statement-level triggers
# reading the rows the statement changed, through 0010's closet_version_bump(sql), which runs its argument.
# Named "..._closet_revision_..." they run before the "..._closet_version_..." ones of the same table and
# event (PostgreSQL fires them by name), so a statement locks the garments' rows before their owner's
# version row, as a garment update does.
_TOUCH = "UPDATE wardrobe_garment SET revision = 0 WHERE id IN (SELECT garment_id FROM {rows})"


def _quoted(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        schema_editor.execute(
            "CREATE TRIGGER wardrobe_garment_closet_revision BEFORE INSERT OR UPDATE ON wardrobe_garment "
            "FOR EACH ROW EXECUTE FUNCTION garment_revision_new()"
        )
        for table in RELATED:
            for event, refer, rows in (
                ("INSERT", "NEW TABLE AS changed", "changed"),
                (
                    "UPDATE",
                    "OLD TABLE AS before NEW TABLE AS changed",
                    "(SELECT garment_id FROM changed UNION ALL SELECT garment_id FROM before) AS b",
                ),
                ("DELETE", "OLD TABLE AS changed", "changed"),
            ):
                touch = _quoted(_TOUCH.format(rows=rows))
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_revision_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {refer} FOR EACH STATEMENT EXECUTE FUNCTION closet_version_bump({touch})"
                )
        schema_editor.execute("UPDATE wardrobe_garment SET revision = 0")  # each existing row gets its own
    elif vendor == "sqlite":
        # AFTER triggers set the value (SQLite's BEFORE triggers cannot change NEW); without recursive
        # triggers (SQLite's default) the trigger's own UPDATE does not fire it again.
        new = "UPDATE wardrobe_garment SET revision = abs(random()) WHERE id = {row}.id"
        for event in ("INSERT", "UPDATE"):
            schema_editor.execute(
                f"CREATE TRIGGER wardrobe_garment_closet_revision_{event.lower()} AFTER {event} ON wardrobe_garment "
                f"BEGIN {new.format(row='NEW')}; END"
            )
        touch = "UPDATE wardrobe_garment SET revision = abs(random()) WHERE id IN ({ids})"
        for table in RELATED:
            for event, ids in (
                ("INSERT", "NEW.garment_id"),
                ("UPDATE", "NEW.garment_id, OLD.garment_id"),
                ("DELETE", "OLD.garment_id"),
            ):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_revision_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {touch.format(ids=ids)}; END"
                )
        schema_editor.execute("UPDATE wardrobe_garment SET revision = 0")
    else:
        raise NotImplementedError(f"garment revision triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    names = [("wardrobe_garment", "wardrobe_garment_closet_revision")]
    names += [("wardrobe_garment", f"wardrobe_garment_closet_revision_{e}") for e in ("insert", "update")]
    names += [(t, f"{t}_closet_revision_{e}") for t in RELATED for e in ("insert", "update", "delete")]
    for table, name in names:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgres else ""))
    if postgres:
        schema_editor.execute("DROP FUNCTION IF EXISTS garment_revision_new()")


class Migration(migrations.Migration):
    dependencies = [
        ("closet", "0010_closet_version"),
    ]

    operations = [
        # ALTER TABLE ... ADD COLUMN rather than Django's AddField, which on SQLite makes the table again
        # under another name, which 0010's triggers on the tables that name wardrobe_garment refuse.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="garment",
                    name="revision",
                    field=models.BigIntegerField(default=0, editable=False),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE wardrobe_garment ADD COLUMN revision bigint NOT NULL DEFAULT 0",
                    "ALTER TABLE wardrobe_garment DROP COLUMN revision",
                ),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
