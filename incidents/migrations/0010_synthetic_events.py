from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_contacts"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="synthetic",
            field=models.BooleanField(default=False),
        ),
    ]
