"""Alice's account of ``test_export_complete`` (``person``), shared with the import tests."""

from tests.backup.test_export_complete import person  # noqa: F401 - a fixture
