# Issue 18 point 10: each user's closet version, written by triggers on every table a closet page
# counts, and the shared taxonomy's (owner 0); closet/version_models.py says why triggers and what
# the value is.

import secrets

from django.db import migrations, models

#: (table, how its rows name their owner: "owner" = an ``owner_id`` column, "garment" = a ``garment_id``,
#: "shared" = the shared taxonomy, versioned as owner 0)
TABLES = [
    ("wardrobe_garment", "owner"),
    ("closet_garmentcolor", "garment"),
    ("wardrobe_garment_seasons", "garment"),
    ("closet_tag", "owner"),
    ("closet_tag_garments", "garment"),
    ("wardrobe_section", "shared"),
    ("wardrobe_category", "shared"),
    ("wardrobe_garmenttype", "shared"),
    ("closet_season", "shared"),
]

# PostgreSQL: statement-level triggers reading the rows a statement changed (transition tables named
# "changed"): one bulk_create or QuerySet.update() of thousands of rows writes each owner's version
# once. The statements are run by EXECUTE, planned afresh for each table's rows.
_UPSERT = (
    "INSERT INTO closet_closetversion (owner_id, version) SELECT owner_id, nextval('closet_closetversion_seq') "
    "FROM ({owners}) AS owners ON CONFLICT (owner_id) DO UPDATE SET version = EXCLUDED.version"
)
_OWNERS = {
    "shared": "SELECT 0 AS owner_id",
    "owner": "SELECT DISTINCT owner_id FROM changed WHERE owner_id IS NOT NULL ORDER BY owner_id",
    "garment": (
        "SELECT DISTINCT g.owner_id FROM changed AS c JOIN wardrobe_garment AS g ON g.id = c.garment_id "
        "ORDER BY g.owner_id"
    ),
}
POSTGRES_FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS closet_closetversion_seq START WITH %(start)s;
CREATE OR REPLACE FUNCTION closet_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_ARGV[0] = 'shared' THEN
    EXECUTE %(shared)s;
  ELSIF TG_ARGV[0] = 'owner' THEN
    EXECUTE %(owner)s;
  ELSE
    EXECUTE %(garment)s;
  END IF;
  RETURN NULL;
END $$;
"""


def _postgres_function(start: int) -> str:
    def quoted(sql: str) -> str:
        return "'" + sql.replace("'", "''") + "'"

    return POSTGRES_FUNCTION % {
        "start": start,
        **{how: quoted(_UPSERT.format(owners=owners)) for how, owners in _OWNERS.items()},
    }


def _sqlite_owner(how: str, row: str) -> str:
    if how == "shared":
        return "SELECT 0, abs(random()) WHERE true"
    if how == "owner":
        return f"SELECT {row}.owner_id, abs(random()) WHERE {row}.owner_id IS NOT NULL"
    return f"SELECT owner_id, abs(random()) FROM wardrobe_garment WHERE id = {row}.garment_id"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # A random start: a database made again (a reset, a restore) never repeats the versions of the
        # one before, whose summaries a shared cache may still hold.
        schema_editor.execute(_postgres_function(secrets.randbelow(2**62) + 1))
        for table, how in TABLES:
            if how == "shared":
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION closet_version_bump('shared')"
                )
                continue
            for event, rows in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_version_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION closet_version_bump('{how}')"
                )
    elif vendor == "sqlite":
        for table, how in TABLES:
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_version_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN INSERT INTO closet_closetversion (owner_id, version) {_sqlite_owner(how, row)} "
                    f"ON CONFLICT (owner_id) DO UPDATE SET version = excluded.version; END"
                )
    else:
        raise NotImplementedError(f"closet version triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, _how in TABLES:
        for name in (
            f"{table}_closet_version",
            *(f"{table}_closet_version_{e}" for e in ("insert", "update", "delete")),
        ):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if vendor == "postgresql" else ""))
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS closet_version_bump(); DROP SEQUENCE IF EXISTS closet_closetversion_seq"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("closet", "0009_closet_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ClosetVersion",
            fields=[
                ("owner_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
