"""The table's guard fires in every replication role (see `migrant_platform.foreign_keys`)."""

from django.db import migrations

from migrant_platform.write_once import triggers_fire_always_operation


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_access_log_append_only")]

    operations = [triggers_fire_always_operation(table="audit_accesslog", triggers=["audit_accesslog_write_once"])]
