from django.db import migrations

from dispatch.policies import install_defaults


def defaults(apps, schema_editor):
    install_defaults(apps.get_model("dispatch", "SlaPolicy"), apps.get_model("dispatch", "EscalationLevel"))


class Migration(migrations.Migration):
    """The default policies of the watches added in 0007, on a database that already has some."""

    dependencies = [("dispatch", "0007_new_watches")]

    operations = [migrations.RunPython(defaults, migrations.RunPython.noop)]
