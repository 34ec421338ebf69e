"""Shared by the Python module's tests: the module under test (imported from the CMake build
folder, tests/python/CMakeLists.txt sets PYTHONPATH), the CLI binary it is compared with, and a
scratch folder holding the default model and sample corpus under the relative paths the golden
outputs use, so that paths inside JSON outputs are the same for both front ends."""
import os
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(os.environ.get("LQ_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MODEL = "models/default"
CORPUS = "data/sample"


def langquant_bin():
    b = os.environ.get("LANGQUANT_BIN")
    if not b or not os.access(b, os.X_OK):
        pytest.fail("LANGQUANT_BIN must name the langquant CLI (CTest sets it)")
    return b


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    """A folder with models/default and data/sample (links to the repository's)."""
    w = tmp_path_factory.mktemp("work")
    (w / "models").mkdir()
    (w / "data").mkdir()
    os.symlink(SOURCE / MODEL, w / MODEL)
    os.symlink(SOURCE / CORPUS, w / CORPUS)
    return w


@pytest.fixture
def chdir_work(work, monkeypatch):
    monkeypatch.chdir(work)
    return work


def run_cli(args, cwd, ok_codes=(0,)):
    """The CLI on one thread without a progress line, as the golden outputs are made."""
    p = subprocess.run([langquant_bin(), *args], cwd=cwd, capture_output=True, text=True)
    assert p.returncode in ok_codes, f"langquant {' '.join(args)} exited {p.returncode}: {p.stderr}"
    return p.stdout
