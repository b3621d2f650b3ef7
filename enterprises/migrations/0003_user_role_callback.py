from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('enterprises', '0002_user_role_constraints_both_ways'),
    ]

    operations = [
        migrations.AlterField(
            model_name='user',
            name='role',
            field=models.CharField(choices=[('company', 'Company'), ('liaison', 'Liaison official'), ('department', 'Department staff'), ('dispatcher', 'Dispatch office'), ('supervisor', 'Supervision office'), ('leader', 'Leadership'), ('admin', 'Administrator'), ('callback', 'Follow-up caller')], default='company', max_length=20, verbose_name='role'),
        ),
    ]
