from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0005_landing"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoadedReference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("model", models.CharField(max_length=60)),
                ("key", models.CharField(max_length=250)),
                (
                    "values",
                    models.JSONField(help_text="Field → value as loaded (a related row by its id)"),
                ),
                ("loaded_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "loaded reference row",
                "verbose_name_plural": "loaded reference rows",
                "constraints": [
                    models.UniqueConstraint(fields=("model", "key"), name="loaded_reference_once")
                ],
            },
        ),
    ]
