# The owner gives staff access and roles (accounts.roles); the desk may change clients only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_site_from_settings'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='user',
            options={'ordering': ['email'], 'permissions': [('assign_roles', 'Can give staff access and roles')], 'verbose_name': 'user', 'verbose_name_plural': 'users'},
        ),
    ]
