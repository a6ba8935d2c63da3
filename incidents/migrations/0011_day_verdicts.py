from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_synthetic_events"),
    ]

    operations = [
        migrations.CreateModel(
            name="DayVerdict",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(unique=True)),
                ("first_seq", models.BigIntegerField(null=True)),
                ("last_seq", models.BigIntegerField(null=True)),
                ("events", models.PositiveIntegerField()),
                ("events_digest", models.CharField(max_length=32)),
                ("rows", models.PositiveIntegerField()),
                ("rows_digest", models.CharField(max_length=32)),
                ("verified_at", models.DateTimeField()),
                ("signature", models.TextField()),
            ],
            options={
                "verbose_name": "verified day",
                "verbose_name_plural": "verified days",
                "ordering": ["day"],
            },
        ),
    ]
