import django.contrib.auth.models
import django.contrib.auth.validators
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """0001–0006 in one (README, "Upgrading"): the schema as it stood at 0006."""

    initial = True

    replaces = [
        ('agencies', '0001_initial'),
        ('agencies', '0002_tracker_and_direct_dispatch'),
        ('agencies', '0003_agency_backup'),
        ('agencies', '0004_crew'),
        ('agencies', '0005_landing'),
        ('agencies', '0006_loaded_reference'),
    ]

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='Agency',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=30, unique=True)),
                ('name', models.CharField(max_length=200)),
                ('short_name', models.CharField(max_length=40)),
                ('kind', models.CharField(choices=[('fire', 'Fire and rescue'), ('disaster', 'Disaster management'), ('health', 'Health / ambulance'), ('police', 'Police'), ('military', 'Military'), ('public_order', 'Public order'), ('transport', 'Transport'), ('sar', 'Search and rescue'), ('utility', 'Electricity'), ('social', 'Social affairs'), ('environment', 'Environment and parks')], max_length=20)),
                ('regencies', models.JSONField(default=list, help_text='Regencies it serves: 81.71 Kota Ambon, 81.01 Maluku Tengah')),
                ('phone', models.CharField(blank=True, help_text='E.164, e.g. +62911…', max_length=20)),
                ('dispatcher_may_assign', models.BooleanField(default=False, help_text="The 112 dispatcher may send this agency's units without its desk")),
                ('is_active', models.BooleanField(default=True)),
                ('backup', models.ForeignKey(blank=True, help_text='Who the supervisor may send to when this agency does not answer', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='agencies.agency')),
            ],
            options={
                'verbose_name': 'agency',
                'verbose_name_plural': 'agencies',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='Area',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=20, unique=True)),
                ('name', models.CharField(max_length=100)),
                ('alt_name', models.CharField(blank=True, max_length=100)),
                ('level', models.CharField(choices=[('kecamatan', 'Kecamatan'), ('desa', 'Desa/kelurahan')], max_length=10)),
                ('village_type', models.CharField(blank=True, max_length=10)),
                ('regency_code', models.CharField(max_length=10)),
                ('regency', models.CharField(max_length=100)),
                ('label_lat', models.FloatField()),
                ('label_lon', models.FloatField()),
                ('area_km2', models.FloatField()),
                ('postal_code', models.CharField(blank=True, max_length=10)),
                ('geometry', models.JSONField(help_text='GeoJSON geometry, WGS84 lon/lat')),
                ('geometry_source', models.CharField(max_length=200)),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='agencies.area')),
            ],
            options={
                'verbose_name': 'area',
                'verbose_name_plural': 'areas',
                'ordering': ['code'],
            },
        ),
        migrations.CreateModel(
            name='LoadedReference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('model', models.CharField(max_length=60)),
                ('key', models.CharField(max_length=250)),
                ('values', models.JSONField(help_text='Field → value as loaded (a related row by its id)')),
                ('loaded_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'loaded reference row',
                'verbose_name_plural': 'loaded reference rows',
                'constraints': [models.UniqueConstraint(fields=('model', 'key'), name='loaded_reference_once')],
            },
        ),
        migrations.CreateModel(
            name='Station',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('kind', models.CharField(choices=[('fire_station', 'Fire station'), ('hospital', 'Hospital'), ('puskesmas', 'Puskesmas'), ('police', 'Police station'), ('police_post', 'Police post'), ('military', 'Military base'), ('bpbd', 'Disaster management office'), ('sar', 'Search and rescue office'), ('ems', 'Ambulance service'), ('airport', 'Airport'), ('port', 'Port')], max_length=20)),
                ('operator', models.CharField(blank=True, help_text='Who runs it', max_length=200)),
                ('address', models.CharField(blank=True, max_length=300)),
                ('lat', models.FloatField(blank=True, null=True)),
                ('lon', models.FloatField(blank=True, null=True)),
                ('position_quality', models.CharField(choices=[('exact', 'Exact'), ('approximate', 'Approximate (published)'), ('area_label', 'Approximate (placed at its area)'), ('unknown', 'Unknown')], max_length=15)),
                ('phone', models.CharField(blank=True, max_length=20)),
                ('source', models.TextField(blank=True)),
                ('notes', models.TextField(blank=True)),
                ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='stations', to='agencies.agency')),
                ('area', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='agencies.area')),
            ],
            options={
                'verbose_name': 'station',
                'verbose_name_plural': 'stations',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Unit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('call_sign', models.CharField(max_length=30, unique=True)),
                ('kind', models.CharField(choices=[('engine', 'Fire engine'), ('tanker', 'Water tanker'), ('rescue', 'Rescue vehicle'), ('ambulance', 'Ambulance'), ('hearse', 'Hearse'), ('patrol', 'Patrol car'), ('motorcycle', 'Motorcycle'), ('boat', 'Boat'), ('truck', 'Truck'), ('utility', 'Utility crew'), ('tow', 'Tow truck')], max_length=20)),
                ('capabilities', models.JSONField(blank=True, default=list)),
                ('status', models.CharField(choices=[('available', 'Available'), ('dispatched', 'Dispatched'), ('en_route', 'En route'), ('on_scene', 'On scene'), ('transporting', 'Transporting'), ('at_hospital', 'At hospital'), ('out_of_service', 'Out of service')], default='available', max_length=20)),
                ('last_lat', models.FloatField(blank=True, null=True)),
                ('last_lon', models.FloatField(blank=True, null=True)),
                ('last_position_at', models.DateTimeField(blank=True, null=True)),
                ('is_demo', models.BooleanField(default=False, help_text='Synthetic call sign for demos')),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='units', to='agencies.agency')),
                ('station', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='units', to='agencies.station')),
            ],
            options={
                'verbose_name': 'unit',
                'verbose_name_plural': 'units',
                'ordering': ['call_sign'],
            },
        ),
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('role', models.CharField(blank=True, choices=[('call_taker', 'Call-taker'), ('dispatcher', 'Dispatcher'), ('supervisor', 'Supervisor'), ('agency_desk', 'Agency desk'), ('crew', 'Crew'), ('verifier', 'Verifier'), ('admin', 'Administrator')], max_length=20)),
                ('landing', models.CharField(choices=[('dispatch_console', 'Dispatch console'), ('map_console', 'Map')], default='dispatch_console', help_text='Where a supervisor or an administrator lands after signing in', max_length=20, verbose_name='landing console')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
                ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='desks', to='agencies.agency')),
            ],
            options={
                'verbose_name': 'user',
                'verbose_name_plural': 'users',
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('agency__isnull', False), ('role__in', ('agency_desk', 'crew'))), models.Q(models.Q(('role__in', ('agency_desk', 'crew')), _negated=True), ('agency__isnull', True)), _connector='OR'), name='user_agency_role_has_agency')],
            },
            managers=[
                ('objects', django.contrib.auth.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='MachineToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True)),
                ('kind', models.CharField(choices=[('cti', 'Telephony adapter'), ('tracker', 'Vehicle tracker')], max_length=10)),
                ('key_hash', models.CharField(max_length=64, unique=True)),
                ('prefix', models.CharField(max_length=8)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('agency', models.ForeignKey(blank=True, help_text="A vehicle tracker reports this agency's units only", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency')),
            ],
            options={
                'verbose_name': 'machine token',
                'verbose_name_plural': 'machine tokens',
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('agency__isnull', False), ('kind', 'tracker')), models.Q(models.Q(('kind', 'tracker'), _negated=True), ('agency__isnull', True)), _connector='OR'), name='machine_token_tracker_has_agency')],
            },
        ),
        migrations.AddConstraint(
            model_name='station',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('lat__isnull', True), ('lon__isnull', True)), models.Q(('lat__isnull', False), ('lon__isnull', False)), _connector='OR'), name='station_position_both_or_none'),
        ),
    ]
