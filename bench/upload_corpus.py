"""The upload corpus of ``tests/test_upload_corpus.py`` as a markdown table.

    python -m bench.upload_corpus                 # the repository's pytest.ini (its test database)
    python -m bench.upload_corpus -c other.ini    # any further arguments go to pytest

Runs that test module with pytest (so against the test database and Redis of the pytest config,
as the test suite does: nothing of a deployment is touched) and prints one markdown row per case:
case | input | expected status (API / form) | API status | form status | message. The statuses and
messages are the ones the test run observed, not the expectations copied. pytest's own output goes
to stderr; the exit status is pytest's (non-zero when any case did not behave as expected).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "upload_corpus.md"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *argv,
                "-q",
                "-p",
                "no:cacheprovider",
                str(ROOT / "tests" / "test_upload_corpus.py"),
            ],
            cwd=ROOT,
            env={**os.environ, "UPLOAD_CORPUS_TABLE": str(table)},
            stdout=sys.stderr,
        )
        if table.exists():
            sys.stdout.write(table.read_text(encoding="utf-8"))
        return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
