import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def first_rows(apps, schema_editor):
    """The event log starts with its one head row (sequence 0, the all-zero genesis hash), and
    the call-taking room with its one row of rules."""
    apps.get_model("incidents", "EventChainHead").objects.get_or_create(pk=1)
    apps.get_model("incidents", "Room").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    """0001–0010 in one (README, "Upgrading"). 0008's one-T1 rewrite of older calls is not
    here: a fresh database has no calls, and an upgraded one ran it already."""

    initial = True

    replaces = [
        ('incidents', '0001_initial'),
        ('incidents', '0002_event_chain_head'),
        ('incidents', '0003_call_intake'),
        ('incidents', '0004_call_waiting_index'),
        ('incidents', '0005_closure_and_timeline'),
        ('incidents', '0006_report_indexes'),
        ('incidents', '0007_aml_message'),
        ('incidents', '0008_positions_presence'),
        ('incidents', '0009_contacts'),
        ('incidents', '0010_synthetic_events'),
    ]

    dependencies = [
        ('agencies', '0001_squashed_0006_loaded_reference'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='IncidentType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(unique=True)),
                ('category', models.CharField(choices=[('kebakaran', 'Fire'), ('bencana', 'Disaster'), ('medis', 'Medical'), ('kamtibmas', 'Security and public order'), ('kecelakaan', 'Accident'), ('lain_lain', 'Other'), ('mobil_jenazah', 'Hearse request')], max_length=20)),
                ('name_id', models.CharField(max_length=100)),
                ('name_en', models.CharField(max_length=100)),
                ('default_priority', models.PositiveSmallIntegerField()),
                ('capability', models.CharField(choices=[('fire', 'Fire engine'), ('ambulance', 'Ambulance'), ('rescue', 'Rescue'), ('police', 'Police'), ('boat', 'Boat'), ('hearse', 'Hearse'), ('tree', 'Tree crew'), ('utility', 'Utility crew'), ('none', 'None')], max_length=20)),
                ('apco_code', models.CharField(help_text='APCO ANS 2.103.2 common type', max_length=20)),
                ('apco_name', models.CharField(max_length=200)),
                ('is_active', models.BooleanField(default=True)),
            ],
            options={
                'verbose_name': 'incident type',
                'verbose_name_plural': 'incident types',
                'ordering': ['category', 'code'],
            },
        ),
        migrations.CreateModel(
            name='Position',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, unique=True)),
                ('is_active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'position',
                'verbose_name_plural': 'positions',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Caller',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=120, unique=True)),
                ('prank_calls', models.PositiveIntegerField(default=0)),
                ('ghost_calls', models.PositiveIntegerField(default=0)),
                ('flagged_at', models.DateTimeField(blank=True, help_text='The nuisance policy was crossed; awaiting a supervisor', null=True)),
                ('blocked_until', models.DateTimeField(blank=True, null=True)),
                ('block_reason', models.CharField(blank=True, max_length=200)),
                ('blocked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'caller',
                'verbose_name_plural': 'callers',
            },
        ),
        migrations.CreateModel(
            name='EventChainHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField(default=0)),
                ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                ('feeds', models.JSONField(default=dict)),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='chain_head_single')],
            },
        ),
        migrations.CreateModel(
            name='Incident',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(choices=[('kebakaran', 'Fire'), ('bencana', 'Disaster'), ('medis', 'Medical'), ('kamtibmas', 'Security and public order'), ('kecelakaan', 'Accident'), ('lain_lain', 'Other'), ('mobil_jenazah', 'Hearse request')], max_length=20)),
                ('priority', models.PositiveSmallIntegerField()),
                ('status', models.CharField(choices=[('new', 'New'), ('dispatched', 'Dispatched'), ('responding', 'Responding'), ('on_scene', 'On scene'), ('resolved', 'Resolved'), ('closed', 'Closed'), ('cancelled', 'Cancelled')], default='new', max_length=20)),
                ('lat', models.FloatField(blank=True, null=True)),
                ('lon', models.FloatField(blank=True, null=True)),
                ('address', models.CharField(blank=True, max_length=300)),
                ('location_approximate', models.BooleanField(default=False)),
                ('outside_coverage', models.BooleanField(default=False)),
                ('description', models.TextField(blank=True)),
                ('created_at', models.DateTimeField()),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('outcome', models.CharField(blank=True, choices=[('resolved', 'Resolved'), ('false_alarm', 'False alarm'), ('cancelled', 'Cancelled'), ('transferred', 'Transferred to another service')], max_length=12)),
                ('agencies', models.ManyToManyField(blank=True, help_text='Agencies it was forwarded to; their desks may read it', related_name='+', to='agencies.agency')),
                ('area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.area')),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('kecamatan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.area')),
                ('incident_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='incidents.incidenttype')),
            ],
            options={
                'verbose_name': 'incident',
                'verbose_name_plural': 'incidents',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='Event',
            fields=[
                ('seq', models.BigIntegerField(primary_key=True, serialize=False)),
                ('at', models.DateTimeField()),
                ('actor_label', models.CharField(max_length=150)),
                ('kind', models.CharField(max_length=50)),
                ('subject_type', models.CharField(blank=True, max_length=30)),
                ('subject_id', models.CharField(blank=True, max_length=40)),
                ('payload', models.JSONField(default=dict)),
                ('agencies', models.JSONField(default=list)),
                ('prev_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64, unique=True)),
                ('synthetic', models.BooleanField(default=False)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='incidents.incident')),
            ],
            options={
                'verbose_name': 'event',
                'verbose_name_plural': 'events',
                'ordering': ['seq'],
            },
        ),
        migrations.CreateModel(
            name='IncidentNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notes', to='incidents.incident')),
            ],
            options={
                'verbose_name': 'note',
                'verbose_name_plural': 'notes',
                'ordering': ['created_at'],
            },
        ),
        migrations.CreateModel(
            name='IncidentTypeAgency',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('primary', 'Primary'), ('support', 'Support')], max_length=10)),
                ('order', models.PositiveSmallIntegerField()),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                ('incident_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='default_agencies', to='incidents.incidenttype')),
            ],
            options={
                'ordering': ['incident_type', 'order'],
            },
        ),
        migrations.AddField(
            model_name='incidenttype',
            name='agencies',
            field=models.ManyToManyField(related_name='+', through='incidents.IncidentTypeAgency', to='agencies.agency'),
        ),
        migrations.CreateModel(
            name='Call',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('call_id', models.CharField(max_length=64, unique=True)),
                ('channel', models.CharField(choices=[('phone', 'Telephone'), ('sms', 'SMS'), ('whatsapp', 'WhatsApp'), ('walk_in', 'Walk-in'), ('social', 'Social media'), ('radio', 'Radio'), ('letter', 'Letter'), ('email', 'E-mail')], default='phone', max_length=10)),
                ('line', models.CharField(blank=True, max_length=30)),
                ('status', models.CharField(choices=[('ringing', 'Ringing'), ('answered', 'Answered'), ('ended', 'Ended'), ('abandoned', 'Abandoned')], default='ringing', max_length=10)),
                ('ringing_at', models.DateTimeField(blank=True, null=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('clock_skew_s', models.FloatField(blank=True, help_text="Set when the adapter's clock was more than 5 s off", null=True)),
                ('taken_at', models.DateTimeField(blank=True, null=True)),
                ('answered_via', models.CharField(blank=True, choices=[('pbx', 'Handset (PBX)'), ('console', 'Console')], max_length=10)),
                ('answered_extension', models.CharField(blank=True, max_length=20)),
                ('disposition', models.CharField(blank=True, choices=[('emergency', 'Emergency'), ('information', 'Information'), ('prank', 'Prank'), ('ghost', 'Ghost (silent line)'), ('dropped', 'Dropped'), ('duplicate', 'Duplicate'), ('test', 'Test')], max_length=12)),
                ('disposed_at', models.DateTimeField(blank=True, null=True)),
                ('aml_lat', models.FloatField(blank=True, null=True)),
                ('aml_lon', models.FloatField(blank=True, null=True)),
                ('aml_radius_m', models.FloatField(blank=True, null=True)),
                ('aml_source', models.CharField(blank=True, max_length=20)),
                ('aml_at', models.DateTimeField(blank=True, null=True)),
                ('caller_name', models.CharField(blank=True, max_length=100)),
                ('callback_number', models.CharField(blank=True, max_length=20)),
                ('notes', models.TextField(blank=True)),
                ('message', models.TextField(blank=True)),
                ('platform', models.CharField(blank=True, choices=[('facebook', 'Facebook'), ('instagram', 'Instagram'), ('x', 'X (Twitter)'), ('tiktok', 'TikTok'), ('youtube', 'YouTube'), ('other', 'Other')], max_length=10)),
                ('handle', models.CharField(blank=True, help_text='Account, handle or address', max_length=100)),
                ('link', models.URLField(blank=True, max_length=500)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('logged_by', models.ForeignKey(blank=True, help_text='The call-taker who logged a contact by hand', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('taken_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('caller', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='incidents.caller')),
                ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='incidents.incident')),
                ('answered_position', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='incidents.position')),
            ],
            options={
                'verbose_name': 'call',
                'verbose_name_plural': 'calls',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='PositionExtension',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('extension', models.CharField(max_length=20, unique=True)),
                ('position', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='extensions', to='incidents.position')),
            ],
            options={
                'verbose_name': 'extension',
                'verbose_name_plural': 'extensions',
                'ordering': ['extension'],
            },
        ),
        migrations.CreateModel(
            name='Presence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('ready', 'Ready'), ('on_call', 'On a call'), ('wrap_up', 'Wrap-up'), ('break', 'On break'), ('away', 'Away')], default='ready', max_length=10)),
                ('state_since', models.DateTimeField()),
                ('break_reason', models.CharField(blank=True, max_length=100)),
                ('signed_in_at', models.DateTimeField()),
                ('signed_out_at', models.DateTimeField(blank=True, null=True)),
                ('last_seen_at', models.DateTimeField(blank=True, null=True)),
                ('position', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='presences', to='incidents.position')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='presences', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'presence',
                'verbose_name_plural': 'presences',
                'ordering': ['position__name'],
            },
        ),
        migrations.CreateModel(
            name='Room',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('wrapup_max_s', models.PositiveIntegerField(default=120, help_text='A call-taker in wrap-up longer than this is made ready again')),
                ('away_grace_s', models.PositiveIntegerField(default=60, help_text='A console silent (socket dropped) longer than this marks its call-taker away')),
                ('nobody_ready_when_idle', models.BooleanField(default=False, help_text='Alarm when no call-taker is ready even while no call rings')),
            ],
            options={
                'verbose_name': 'call-taking room',
                'verbose_name_plural': 'call-taking room',
                'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='room_is_one')],
            },
        ),
        migrations.CreateModel(
            name='AmlMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=20)),
                ('message_id', models.CharField(blank=True, help_text="The SMS gateway's id for the message, if any", max_length=100)),
                ('body', models.TextField()),
                ('body_sha256', models.CharField(max_length=64)),
                ('lat', models.FloatField()),
                ('lon', models.FloatField()),
                ('radius_m', models.FloatField()),
                ('positioned_at', models.DateTimeField()),
                ('received_at', models.DateTimeField()),
                ('adapter', models.CharField(max_length=100)),
                ('attached_at', models.DateTimeField(blank=True, null=True)),
                ('call', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='aml_messages', to='incidents.call')),
            ],
            options={
                'verbose_name': 'AML message',
                'verbose_name_plural': 'AML messages',
                'ordering': ['-received_at'],
                'indexes': [models.Index(condition=models.Q(('call__isnull', True)), fields=['number', 'received_at'], name='aml_held_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('message_id', ''), _negated=True), fields=('number', 'message_id'), name='aml_message_id_once'), models.UniqueConstraint(condition=models.Q(('message_id', '')), fields=('number', 'body_sha256'), name='aml_body_once_without_id')],
            },
        ),
        migrations.CreateModel(
            name='ContactMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('phone', 'Telephone'), ('sms', 'SMS'), ('whatsapp', 'WhatsApp'), ('walk_in', 'Walk-in'), ('social', 'Social media'), ('radio', 'Radio'), ('letter', 'Letter'), ('email', 'E-mail')], max_length=10)),
                ('message_id', models.CharField(help_text="The gateway's id for the message", max_length=100)),
                ('sender', models.CharField(max_length=120)),
                ('text', models.TextField()),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('received_at', models.DateTimeField()),
                ('adapter', models.CharField(max_length=100)),
                ('call', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='incidents.call')),
            ],
            options={
                'verbose_name': 'contact message',
                'verbose_name_plural': 'contact messages',
                'ordering': ['received_at', 'id'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'message_id'), name='contact_message_once')],
            },
        ),
        migrations.CreateModel(
            name='EventAudience',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='audience', to='incidents.event')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('agency', 'event'), name='event_audience_once')],
            },
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['subject_type', 'subject_id', 'seq'], name='incidents_e_subject_982d38_idx'),
        ),
        migrations.AddIndex(
            model_name='event',
            index=models.Index(fields=['at'], name='event_at_idx'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(condition=models.Q(('status__in', ['new', 'dispatched', 'responding', 'on_scene', 'resolved'])), fields=['created_at'], name='incident_open_idx'),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['created_at'], name='incident_created_idx'),
        ),
        migrations.AddConstraint(
            model_name='incident',
            constraint=models.CheckConstraint(condition=models.Q(('priority__gte', 1), ('priority__lte', 4)), name='incident_priority_1_to_4'),
        ),
        migrations.AddConstraint(
            model_name='incidenttypeagency',
            constraint=models.UniqueConstraint(fields=('incident_type', 'agency'), name='type_agency_once'),
        ),
        migrations.AddConstraint(
            model_name='incidenttype',
            constraint=models.CheckConstraint(condition=models.Q(('default_priority__gte', 1), ('default_priority__lte', 4)), name='incident_type_priority_1_to_4'),
        ),
        migrations.AddIndex(
            model_name='call',
            index=models.Index(condition=models.Q(('answered_at__isnull', True), ('ended_at__isnull', True)), fields=['created_at'], name='call_waiting_idx'),
        ),
        migrations.AddIndex(
            model_name='call',
            index=models.Index(fields=['caller', 'created_at'], name='call_caller_idx'),
        ),
        migrations.AddIndex(
            model_name='call',
            index=models.Index(fields=['ringing_at'], name='call_ringing_idx'),
        ),
        migrations.AddIndex(
            model_name='call',
            index=models.Index(fields=['incident', 'ringing_at', 'id'], include=('answered_at', 'disposition'), name='call_incident_ringing_idx'),
        ),
        migrations.AddConstraint(
            model_name='call',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('disposition__in', ['emergency', 'duplicate']), _negated=True), ('incident__isnull', False), _connector='OR'), name='call_emergency_has_incident'),
        ),
        migrations.AddConstraint(
            model_name='presence',
            constraint=models.UniqueConstraint(condition=models.Q(('signed_out_at__isnull', True)), fields=('position',), name='presence_one_per_position'),
        ),
        migrations.AddConstraint(
            model_name='presence',
            constraint=models.UniqueConstraint(condition=models.Q(('signed_out_at__isnull', True)), fields=('user',), name='presence_one_per_user'),
        ),
        migrations.AddConstraint(
            model_name='presence',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'break'), _negated=True), models.Q(('break_reason', ''), _negated=True), _connector='OR'), name='presence_break_has_reason'),
        ),
        migrations.RunPython(first_rows, migrations.RunPython.noop),
    ]
