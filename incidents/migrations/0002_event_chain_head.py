from django.db import migrations


def create_head(apps, schema_editor):
    apps.get_model("incidents", "EventChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    """The event log starts with its one head row: sequence 0, the all-zero genesis hash."""

    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
