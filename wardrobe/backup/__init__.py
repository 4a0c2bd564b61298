"""Everything a person made here, in one zip they can keep (and, later, bring back): the export's
format (``schema.py``, described in ``docs/export.md``), its writer (``services.py``), the page and
``/api/me/export/``. A composition room: no models; it reads the account, the closet, the outfits
and the weather settings."""
