from django.db import migrations

from dispatch.policies import install_defaults


def defaults(apps, schema_editor):
    install_defaults(apps.get_model("dispatch", "SlaPolicy"), apps.get_model("dispatch", "EscalationLevel"))


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0002_deadlines_escalations")]

    operations = [migrations.RunPython(defaults, migrations.RunPython.noop)]
