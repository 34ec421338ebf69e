"""The bad-input catalogue's size (issue 13 asks for at least 120 cases): counts the cases of its
files (conftest.CATALOGUE_FILES) as pytest collects them, and prints the count in the test log.
Each case is a one-line error with exit 1, or a documented correct result (test_limits.py)."""
import subprocess
import sys
from pathlib import Path

from conftest import CATALOGUE_FILES

HERE = Path(__file__).resolve().parent


def test_catalogue_has_at_least_120_cases():
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           *CATALOGUE_FILES], cwd=HERE, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Node ids are relative to pytest's rootdir, which the repository's pyproject.toml can move to
    # the root (tests/oracle/test_limits.py::...): match the file name, not the prefix.
    ids = [l.split("::")[0] for l in proc.stdout.splitlines() if "::" in l]
    per_file = {f: sum(1 for i in ids if Path(i).name == f) for f in CATALOGUE_FILES}
    total = sum(per_file.values())
    print(f"bad-input catalogue: {total} cases ({', '.join(f'{f}: {n}' for f, n in per_file.items())})")
    assert all(per_file.values()), per_file
    assert total >= 120, per_file
