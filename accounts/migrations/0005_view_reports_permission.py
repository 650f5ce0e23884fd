# The studio's reports are the owner's (accounts.roles gives every accounts permission
# to the owner, none of these to the desk).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_assign_roles_permission'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='user',
            options={'ordering': ['email'], 'permissions': [('assign_roles', 'Can give staff access and roles'), ('view_reports', "Can read the studio's reports")], 'verbose_name': 'user', 'verbose_name_plural': 'users'},
        ),
    ]
