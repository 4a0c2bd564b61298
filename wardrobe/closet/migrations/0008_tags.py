# Placeholder in the chain, filled by hand with its own operations only (several people edit the
# closet's models at once; makemigrations would mix their changes).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("closet", "0007_garment_attributes_and_stains"),
    ]

    operations = []
