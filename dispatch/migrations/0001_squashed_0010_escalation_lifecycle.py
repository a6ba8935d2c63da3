import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from dispatch.policies import install_defaults


def defaults(apps, schema_editor):
    install_defaults(apps.get_model("dispatch", "SlaPolicy"), apps.get_model("dispatch", "EscalationLevel"))


class Migration(migrations.Migration):
    """0001–0010 in one (README, "Upgrading"), with the shipped policies of dispatch/policies.py."""

    initial = True

    replaces = [
        ('dispatch', '0001_tickets_assignments'),
        ('dispatch', '0002_deadlines_escalations'),
        ('dispatch', '0003_default_sla_policies'),
        ('dispatch', '0004_deadline_summary'),
        ('dispatch', '0005_report_access'),
        ('dispatch', '0006_deadline_ladder_climbed'),
        ('dispatch', '0007_new_watches'),
        ('dispatch', '0008_new_watch_defaults'),
        ('dispatch', '0009_crew'),
        ('dispatch', '0010_escalation_lifecycle'),
    ]

    dependencies = [
        ('agencies', '0001_squashed_0006_loaded_reference'),
        ('incidents', '0001_squashed_0010_synthetic_events'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LocationLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key_hash', models.CharField(max_length=64, unique=True)),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('sent_via', models.CharField(blank=True, help_text='Gateway that sent it', max_length=20)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('lat', models.FloatField(blank=True, null=True)),
                ('lon', models.FloatField(blank=True, null=True)),
                ('accuracy_m', models.FloatField(blank=True, null=True)),
                ('call', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='location_links', to='incidents.call')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'location link',
                'verbose_name_plural': 'location links',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='SlaPolicy',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('watch', models.CharField(choices=[('call_unanswered', 'Call ringing, unanswered'), ('incident_not_forwarded', 'Emergency answered, no agency notified'), ('ticket_not_accepted', 'Ticket not accepted'), ('no_unit_en_route', 'Ticket accepted, no unit en route'), ('fire_no_operations', 'Fire: no operations started'), ('nobody_ready', 'No call-taker ready'), ('contact_unhandled', 'Message contact, no first response'), ('hazard_unreviewed', 'Hazard alert (earthquake), not yet reviewed'), ('unit_not_dispatched', 'Ticket accepted, no unit sent'), ('unit_not_en_route', 'Unit sent, not en route (turnout)'), ('unit_not_on_scene', 'Unit en route, not on scene after its ETA'), ('incident_idle', 'Open incident, no activity')], max_length=30)),
                ('category', models.CharField(blank=True, choices=[('kebakaran', 'Fire'), ('bencana', 'Disaster'), ('medis', 'Medical'), ('kamtibmas', 'Security and public order'), ('kecelakaan', 'Accident'), ('lain_lain', 'Other'), ('mobil_jenazah', 'Hearse request')], help_text='Only incidents of this category (blank: all)', max_length=20)),
                ('priority', models.PositiveSmallIntegerField(blank=True, help_text='Only incidents of this priority (blank: all)', null=True)),
                ('incident_types', models.JSONField(blank=True, default=list, help_text='Only incidents of these type codes (none: all)')),
                ('active_from', models.TimeField(blank=True, help_text='Only waits that start from this time, WIT (blank: all day)', null=True)),
                ('active_until', models.TimeField(blank=True, help_text='…and before this time, WIT; earlier than the start: the window crosses midnight', null=True)),
                ('repeat_s', models.PositiveIntegerField(blank=True, help_text='After the last level, alert again every so many seconds until it ends (blank: no)', null=True)),
                ('repeat_recipients', models.JSONField(blank=True, default=list, help_text='Who each repeat alerts')),
                ('max_shelve_minutes', models.PositiveIntegerField(default=240, help_text='The longest a supervisor may shelve one of its alarms, in minutes')),
                ('is_active', models.BooleanField(default=True)),
                ('agency', models.ForeignKey(blank=True, help_text='Only tickets of this agency (blank: all)', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
            ],
            options={
                'verbose_name': 'SLA policy',
                'verbose_name_plural': 'SLA policies',
                'ordering': ['watch', 'name'],
            },
        ),
        migrations.CreateModel(
            name='Ticket',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('primary', 'Primary'), ('support', 'Support'), ('added', 'Added by the dispatcher')], max_length=10)),
                ('status', models.CharField(choices=[('notified', 'Notified'), ('accepted', 'Accepted'), ('declined', 'Declined'), ('completed', 'Completed'), ('cancelled', 'Cancelled')], default='notified', max_length=10)),
                ('cross_border', models.BooleanField(default=False, help_text='The agency answers outside its own regency')),
                ('notified_at', models.DateTimeField()),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('declined_at', models.DateTimeField(blank=True, null=True)),
                ('decline_reason', models.CharField(blank=True, max_length=300)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='agencies.agency')),
                ('declined_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='incidents.incident')),
                ('notified_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'ticket',
                'verbose_name_plural': 'tickets',
                'ordering': ['-notified_at'],
            },
        ),
        migrations.CreateModel(
            name='Assignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('dispatched', 'Dispatched'), ('en_route', 'En route'), ('on_scene', 'On scene'), ('transporting', 'Transporting'), ('at_hospital', 'At hospital'), ('cleared', 'Cleared'), ('cancelled', 'Cancelled')], default='dispatched', max_length=15)),
                ('dispatched_at', models.DateTimeField()),
                ('eta_s', models.PositiveIntegerField(blank=True, help_text='Estimate at dispatch', null=True)),
                ('en_route_at', models.DateTimeField(blank=True, null=True)),
                ('on_scene_at', models.DateTimeField(blank=True, null=True)),
                ('operations_started_at', models.DateTimeField(blank=True, null=True)),
                ('transporting_at', models.DateTimeField(blank=True, null=True)),
                ('at_hospital_at', models.DateTimeField(blank=True, null=True)),
                ('cleared_at', models.DateTimeField(blank=True, null=True)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('cancel_reason', models.CharField(blank=True, max_length=300)),
                ('late_steps', models.JSONField(blank=True, default=dict, help_text='Steps a crew took offline: step → when the server received it')),
                ('destination', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.station')),
                ('dispatched_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='incidents.incident')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='agencies.unit')),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='dispatch.ticket')),
            ],
            options={
                'verbose_name': 'assignment',
                'verbose_name_plural': 'assignments',
                'ordering': ['dispatched_at'],
            },
        ),
        migrations.CreateModel(
            name='CrewShift',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField()),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('started_by', models.ForeignKey(help_text='The crew member, or the desk that put them on the unit', on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='crew_shifts', to='agencies.unit')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'crew shift',
                'verbose_name_plural': 'crew shifts',
                'ordering': ['-started_at'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('ended_at__isnull', True)), fields=('user',), name='crew_one_open_shift')],
            },
        ),
        migrations.CreateModel(
            name='ReportAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('action', models.CharField(choices=[('view', 'Viewed the report'), ('rows', 'Opened the rows behind a figure'), ('export', 'Exported'), ('integrity', 'Checked the event chain')], max_length=10)),
                ('format', models.CharField(blank=True, max_length=10)),
                ('query', models.JSONField(help_text='The filter and options as asked')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'report access',
                'verbose_name_plural': 'report accesses',
                'ordering': ['-at'],
                'indexes': [models.Index(fields=['user', 'at'], name='dispatch_re_user_id_3030e2_idx')],
            },
        ),
        migrations.CreateModel(
            name='Shelf',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('watch', models.CharField(choices=[('call_unanswered', 'Call ringing, unanswered'), ('incident_not_forwarded', 'Emergency answered, no agency notified'), ('ticket_not_accepted', 'Ticket not accepted'), ('no_unit_en_route', 'Ticket accepted, no unit en route'), ('fire_no_operations', 'Fire: no operations started'), ('nobody_ready', 'No call-taker ready'), ('contact_unhandled', 'Message contact, no first response'), ('hazard_unreviewed', 'Hazard alert (earthquake), not yet reviewed'), ('unit_not_dispatched', 'Ticket accepted, no unit sent'), ('unit_not_en_route', 'Unit sent, not en route (turnout)'), ('unit_not_on_scene', 'Unit en route, not on scene after its ETA'), ('incident_idle', 'Open incident, no activity')], max_length=30)),
                ('subject_type', models.CharField(max_length=30)),
                ('subject_id', models.CharField(max_length=40)),
                ('shelved_at', models.DateTimeField()),
                ('until', models.DateTimeField()),
                ('reason', models.CharField(max_length=300)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('end', models.CharField(blank=True, choices=[('unshelved', 'Unshelved'), ('expired', 'Expired'), ('resolved', 'The wait ended')], max_length=10)),
                ('ended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('shelved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'shelved alarm',
                'verbose_name_plural': 'shelved alarms',
                'ordering': ['-shelved_at'],
                'indexes': [models.Index(condition=models.Q(('ended_at', None)), fields=['until'], name='shelf_running_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('ended_at', None)), fields=('watch', 'subject_type', 'subject_id'), name='shelf_one_running_per_subject'), models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='shelf_has_reason')],
            },
        ),
        migrations.CreateModel(
            name='EscalationLevel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField()),
                ('delay_s', models.PositiveIntegerField(help_text='Seconds from the start of the wait')),
                ('recipients', models.JSONField(help_text='Who is alerted: call_takers, supervisors, …')),
                ('action', models.CharField(blank=True, choices=[('', 'None'), ('offer_backup', 'Offer the backup agency to the supervisor'), ('raise_priority', "Raise the incident's priority")], max_length=20)),
                ('policy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='levels', to='dispatch.slapolicy')),
            ],
            options={
                'verbose_name': 'escalation level',
                'verbose_name_plural': 'escalation levels',
                'ordering': ['policy', 'level'],
                'constraints': [models.UniqueConstraint(fields=('policy', 'level'), name='escalation_level_once'), models.CheckConstraint(condition=models.Q(('delay_s__gt', 0)), name='escalation_level_positive')],
            },
        ),
        migrations.CreateModel(
            name='Escalation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('watch', models.CharField(choices=[('call_unanswered', 'Call ringing, unanswered'), ('incident_not_forwarded', 'Emergency answered, no agency notified'), ('ticket_not_accepted', 'Ticket not accepted'), ('no_unit_en_route', 'Ticket accepted, no unit en route'), ('fire_no_operations', 'Fire: no operations started'), ('nobody_ready', 'No call-taker ready'), ('contact_unhandled', 'Message contact, no first response'), ('hazard_unreviewed', 'Hazard alert (earthquake), not yet reviewed'), ('unit_not_dispatched', 'Ticket accepted, no unit sent'), ('unit_not_en_route', 'Unit sent, not en route (turnout)'), ('unit_not_on_scene', 'Unit en route, not on scene after its ETA'), ('incident_idle', 'Open incident, no activity')], max_length=30)),
                ('level', models.PositiveSmallIntegerField()),
                ('subject_type', models.CharField(max_length=30)),
                ('subject_id', models.CharField(max_length=40)),
                ('started_at', models.DateTimeField(help_text='Waiting since')),
                ('due_at', models.DateTimeField(help_text='The deadline that passed')),
                ('raised_at', models.DateTimeField()),
                ('to_call_takers', models.BooleanField(default=False)),
                ('to_supervisors', models.BooleanField(default=False)),
                ('to_agency', models.BooleanField(default=False, help_text="The agency's desk or liaison")),
                ('action', models.CharField(blank=True, choices=[('', 'None'), ('offer_backup', 'Offer the backup agency to the supervisor'), ('raise_priority', "Raise the incident's priority")], max_length=20)),
                ('summary', models.CharField(max_length=200)),
                ('resolved_at', models.DateTimeField(blank=True, help_text='The thing stopped waiting', null=True)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('repeat', models.BooleanField(default=False, help_text='A repeat after the last level')),
                ('shelved', models.BooleanField(default=False, help_text='Raised while its subject was shelved: recorded, not sounded')),
                ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='escalations', to='incidents.incident')),
                ('policy', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='dispatch.slapolicy')),
            ],
            options={
                'verbose_name': 'escalation',
                'verbose_name_plural': 'escalations',
                'ordering': ['-raised_at'],
                'indexes': [models.Index(condition=models.Q(('acknowledged_at__isnull', True)), fields=['raised_at'], name='escalation_open_idx')],
                'constraints': [models.UniqueConstraint(fields=('watch', 'subject_type', 'subject_id', 'started_at', 'level'), name='escalation_once_per_level')],
            },
        ),
        migrations.CreateModel(
            name='Deadline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('watch', models.CharField(choices=[('call_unanswered', 'Call ringing, unanswered'), ('incident_not_forwarded', 'Emergency answered, no agency notified'), ('ticket_not_accepted', 'Ticket not accepted'), ('no_unit_en_route', 'Ticket accepted, no unit en route'), ('fire_no_operations', 'Fire: no operations started'), ('nobody_ready', 'No call-taker ready'), ('contact_unhandled', 'Message contact, no first response'), ('hazard_unreviewed', 'Hazard alert (earthquake), not yet reviewed'), ('unit_not_dispatched', 'Ticket accepted, no unit sent'), ('unit_not_en_route', 'Unit sent, not en route (turnout)'), ('unit_not_on_scene', 'Unit en route, not on scene after its ETA'), ('incident_idle', 'Open incident, no activity')], max_length=30)),
                ('subject_type', models.CharField(max_length=30)),
                ('subject_id', models.CharField(max_length=40)),
                ('started_at', models.DateTimeField()),
                ('level', models.PositiveSmallIntegerField(default=1)),
                ('due_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                ('summary', models.CharField(default='', max_length=200)),
                ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency')),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='incidents.incident')),
                ('policy', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='dispatch.slapolicy')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('watch', 'subject_type', 'subject_id'), name='deadline_one_per_wait')],
            },
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ['notified', 'accepted'])), fields=['agency', 'notified_at'], name='ticket_open_idx'),
        ),
        migrations.AddConstraint(
            model_name='ticket',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['notified', 'accepted'])), fields=('incident', 'agency'), name='ticket_one_open_per_agency'),
        ),
        migrations.AddConstraint(
            model_name='ticket',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'declined'), _negated=True), models.Q(('decline_reason', ''), _negated=True), _connector='OR'), name='ticket_declined_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='assignment',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['dispatched', 'en_route', 'on_scene', 'transporting', 'at_hospital'])), fields=('unit',), name='assignment_one_active_per_unit'),
        ),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
