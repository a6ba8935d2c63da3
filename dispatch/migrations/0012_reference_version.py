import uuid

from django.db import migrations, models

# Any write to an agency or to an incident type's default agencies, by any path (the admin,
# load_ambon, a shell, a queryset's update, a migration), gives the one ReferenceVersion row a
# new random token in the same transaction, as 0011 does for the policies.
TABLES = ["agencies_agency", "incidents_incidenttypeagency"]

POSTGRESQL = [
    """
    CREATE FUNCTION dispatch_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO dispatch_referenceversion (id, token)
        VALUES (1, replace(gen_random_uuid()::text, '-', ''))
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
        RETURN NULL;
    END $$
    """,
    *(
        f"CREATE TRIGGER {table}_reference_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION dispatch_reference_changed()"
        for table in TABLES
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER {table}_reference_changed ON {table}" for table in TABLES),
    "DROP FUNCTION dispatch_reference_changed()",
]

SQLITE = [
    f"""
    CREATE TRIGGER {table}_reference_{operation} AFTER {operation} ON {table} BEGIN
        INSERT INTO dispatch_referenceversion (id, token) VALUES (1, lower(hex(randomblob(16))))
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    END
    """
    for table in TABLES
    for operation in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {table}_reference_{operation}"
    for table in TABLES
    for operation in ("INSERT", "UPDATE", "DELETE")
]


def run(statements: dict):
    def operation(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql, params=None)

    return operation


def first_token(apps, schema_editor):
    """The reference data as the migrations before this one left them."""
    apps.get_model("dispatch", "ReferenceVersion").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    """The reference data's version token, kept by triggers (dispatch.models.ReferenceVersion)."""

    dependencies = [
        ("dispatch", "0011_policy_version"),
        ("agencies", "0001_squashed_0006_loaded_reference"),
        ("incidents", "0001_squashed_0010_synthetic_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(
            run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
        migrations.RunPython(first_token, migrations.RunPython.noop),
    ]
