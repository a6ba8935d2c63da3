import uuid

from django.db import migrations, models

# Any write to a policy or a level, by any path (the admin, a command, a shell, a queryset's
# update, a migration), gives the one PolicyVersion row a new random token in the same
# transaction: random, so that a token rolled back is never seen again with other policies.
TABLES = ["dispatch_slapolicy", "dispatch_escalationlevel"]

POSTGRESQL = [
    """
    CREATE FUNCTION dispatch_policies_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO dispatch_policyversion (id, token)
        VALUES (1, replace(gen_random_uuid()::text, '-', ''))
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
        RETURN NULL;
    END $$
    """,
    *(
        f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION dispatch_policies_changed()"
        for table in TABLES
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER {table}_changed ON {table}" for table in TABLES),
    "DROP FUNCTION dispatch_policies_changed()",
]

SQLITE = [
    f"""
    CREATE TRIGGER {table}_{operation} AFTER {operation} ON {table} BEGIN
        INSERT INTO dispatch_policyversion (id, token) VALUES (1, lower(hex(randomblob(16))))
        ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    END
    """
    for table in TABLES
    for operation in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER {table}_{operation}"
    for table in TABLES
    for operation in ("INSERT", "UPDATE", "DELETE")
]


def run(statements: dict):
    def operation(apps, schema_editor):
        for sql in statements[schema_editor.connection.vendor]:
            schema_editor.execute(sql, params=None)

    return operation


def first_token(apps, schema_editor):
    """The policies as the migrations before this one left them."""
    apps.get_model("dispatch", "PolicyVersion").objects.create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    """The policies' version token, kept by triggers (dispatch.models.PolicyVersion)."""

    dependencies = [
        ("dispatch", "0001_squashed_0010_escalation_lifecycle"),
    ]

    operations = [
        migrations.CreateModel(
            name="PolicyVersion",
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
