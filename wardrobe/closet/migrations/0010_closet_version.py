# Issue 18 point 10: each user's closet version, written by triggers on every table a closet page
# counts, and the shared taxonomy's (owner 0); closet/version_models.py says why triggers and what
# the value is.

import secrets

from django.db import migrations, models

#: (table, how its rows name their owner: "owner" = an ``owner_id`` column, "garment" = a ``garment_id``,
#: "shared" = the shared taxonomy, versioned as owner 0; the version column written besides ``version``).
#: A garment's insert or delete also writes ``counts_version``; its update only when the status or the
#: category of one of its rows changed (``GARMENT_UPDATE_*`` below).
TABLES = [
    ("wardrobe_garment", "owner", "counts_version"),
    ("closet_garmentcolor", "garment", "colors_version"),
    ("wardrobe_garment_seasons", "garment", None),
    ("closet_tag", "owner", "tags_version"),
    ("closet_tag_garments", "garment", None),
    ("wardrobe_section", "shared", None),
    ("wardrobe_category", "shared", None),
    ("wardrobe_garmenttype", "shared", None),
    ("closet_season", "shared", None),
]
COLUMNS = "(owner_id, version, colors_version, tags_version, counts_version)"


def _set(column: str | None, excluded: str) -> str:
    also = f", {column} = {excluded}.{column}" if column else ""
    return f"ON CONFLICT (owner_id) DO UPDATE SET version = {excluded}.version{also}"


# A garment update: every owner gets a new version; counts_version changes only for the owners of rows
# whose status or category changed (written as -v otherwise, a value the upsert does not keep).
GARMENT_UPDATE_POSTGRES = (
    f"INSERT INTO closet_closetversion {COLUMNS} "
    "SELECT owner_id, v, v, v, CASE WHEN recount THEN v ELSE -v END FROM ("
    "SELECT owner_id, recount, nextval('closet_closetversion_seq') AS v FROM ("
    "SELECT n.owner_id, bool_or((o.status, o.category_id) IS DISTINCT FROM (n.status, n.category_id)) AS recount "
    "FROM changed AS n JOIN before AS o ON o.id = n.id GROUP BY n.owner_id ORDER BY n.owner_id"
    ") AS owners) AS bumped "
    "ON CONFLICT (owner_id) DO UPDATE SET version = EXCLUDED.version, counts_version = CASE "
    "WHEN EXCLUDED.counts_version < 0 THEN closet_closetversion.counts_version ELSE EXCLUDED.counts_version END"
)
GARMENT_RECOUNT_SQLITE_WHEN = "OLD.status IS NOT NEW.status OR OLD.category_id IS NOT NEW.category_id"


# PostgreSQL: statement-level triggers reading the rows a statement changed (transition tables named
# "changed"): one bulk_create or QuerySet.update() of thousands of rows writes each owner's version
# once. Each trigger passes its statement to the function, which runs it by EXECUTE (planned afresh
# for each table's rows).
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
  EXECUTE TG_ARGV[0];
  RETURN NULL;
END $$;
"""


def _postgres_upsert(how: str, column: str | None) -> str:
    return (
        f"INSERT INTO closet_closetversion {COLUMNS} SELECT owner_id, v, v, v, v FROM "
        f"(SELECT owner_id, nextval('closet_closetversion_seq') AS v FROM ({_OWNERS[how]}) AS owners) AS bumped "
        + _set(column, "EXCLUDED")
    )


def _sqlite_upsert(how: str, column: str | None, row: str) -> str:
    if how == "shared":
        source = "SELECT 0, v, v, v, v FROM (SELECT abs(random()) AS v) WHERE true"
    elif how == "owner":
        source = f"SELECT {row}.owner_id, v, v, v, v FROM (SELECT abs(random()) AS v) WHERE {row}.owner_id IS NOT NULL"
    else:
        source = (
            "SELECT owner_id, v, v, v, v FROM wardrobe_garment, (SELECT abs(random()) AS v) "
            f"WHERE wardrobe_garment.id = {row}.garment_id"
        )
    return f"INSERT INTO closet_closetversion {COLUMNS} {source} " + _set(column, "excluded")


def _quoted(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # A random start: a database made again (a reset, a restore) never repeats the versions of the
        # one before, whose summaries a shared cache may still hold.
        schema_editor.execute(POSTGRES_FUNCTION % {"start": secrets.randbelow(2**62) + 1})
        for table, how, column in TABLES:
            bump = f"closet_version_bump({_quoted(_postgres_upsert(how, column))})"
            if how == "shared":
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {bump}"
                )
                continue
            for event, rows in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                refer, run = f"{rows} TABLE AS changed", bump
                if table == "wardrobe_garment" and event == "UPDATE":
                    refer = "OLD TABLE AS before NEW TABLE AS changed"
                    run = f"closet_version_bump({_quoted(GARMENT_UPDATE_POSTGRES)})"
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_version_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {refer} FOR EACH STATEMENT EXECUTE FUNCTION {run}"
                )
    elif vendor == "sqlite":
        for table, how, column in TABLES:
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                written = None if table == "wardrobe_garment" and event == "UPDATE" else column
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closet_version_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {_sqlite_upsert(how, written, row)}; END"
                )
        schema_editor.execute(
            f"CREATE TRIGGER wardrobe_garment_closet_version_recount AFTER UPDATE ON wardrobe_garment "
            f"WHEN {GARMENT_RECOUNT_SQLITE_WHEN} BEGIN {_sqlite_upsert('owner', 'counts_version', 'NEW')}; END"
        )
    else:
        raise NotImplementedError(f"closet version triggers for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, _how, _column in TABLES:
        for name in (
            f"{table}_closet_version",
            *(f"{table}_closet_version_{e}" for e in ("insert", "update", "delete", "recount")),
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
                ("colors_version", models.BigIntegerField()),
                ("tags_version", models.BigIntegerField()),
                ("counts_version", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
