from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "wardrobe.backup"
    label = "backup"
    verbose_name = "Backup"
