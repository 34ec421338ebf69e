"""A full disk under the long commands (issue 13): one stderr line, exit 1, no output file and no
temporary file left, the store or progress file consistent, and once space is back the same
command (eval: with --resume) finishes with the bytes of an uninterrupted run.

The small disk is a real one where the machine allows it: a tmpfs mounted for the test (needs
root, or CAP_SYS_ADMIN; works on the development machine, which runs the tests as root). Where mounting is refused
(an unprivileged user, a Docker container without CAP_SYS_ADMIN) the same tests run on an
equivalent: the file size limit RLIMIT_FSIZE (`ulimit -f`) set for langquant alone, with
SIGXFSZ ignored, so a write past the limit fails with EFBIG as a write to a full disk fails
with ENOSPC. LQ_TEST_DISK=fsize forces the equivalent (to test it where tmpfs works). The mode
used is printed in the test log."""
import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from bad_input import assert_bad_input
from conftest import BIN

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "default"
SAMPLE = ROOT / "data" / "sample"
EVAL = ["--langs", "en,de,ar,hi", "-p", "none", "--batch-tokens", "512", "--bootstrap", "50", "-t", "1", "-q"]
SWEEP = ["--langs", "en,de", "--plan", "base=int8", "--plan", "base=int4", "--batch", "2", "--bootstrap", "10",
         "-t", "1", "-q"]


class SmallDisk:
    """A folder where writing past `leave` bytes fails: a real tmpfs filled up, or a file size
    limit on the langquant process."""

    def __init__(self, folder, mode):
        self.folder, self.mode, self.limit, self.filler = folder, mode, None, None

    def fill(self, leave=0):
        if self.mode == "fsize":
            self.limit = max(leave, 1)
            return
        self.filler = self.folder / "filler"
        with open(self.filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 1024)
            except OSError:
                pass
        if leave:
            with open(self.filler, "r+b") as f:
                f.truncate(max(0, self.filler.stat().st_size - leave))

    def free(self):
        self.limit = None
        if self.filler:
            self.filler.unlink()
            self.filler = None

    def run(self, *args):
        limit = self.limit

        def limited():
            if limit is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, preexec_fn=limited)

    def leftovers(self):
        return sorted(p.name for p in self.folder.iterdir() if p.name != "filler")


# What each mode's write errors say: ENOSPC ("No space left on device", SQLite's "database or
# disk is full", a stream's "write failed (disk full?)") or EFBIG ("File too large").
FULL_WORDS = {"tmpfs": ["full", "No space left"], "fsize": ["File too large", "full"]}


def assert_full(proc, disk, names):
    line = assert_bad_input(proc, names, "")
    assert any(w in line for w in FULL_WORDS[disk.mode]), line
    return line


@pytest.fixture
def disk(tmp_path):
    d = tmp_path / "disk"
    d.mkdir()
    mode = os.environ.get("LQ_TEST_DISK", "tmpfs")
    if mode == "tmpfs":
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(d)], capture_output=True,
                              text=True)
        if proc.returncode != 0:
            print(f"small disk: tmpfs refused ({proc.stderr.strip()}), using RLIMIT_FSIZE")
            mode = "fsize"
    print(f"small disk: {mode}")
    try:
        yield SmallDisk(d, mode)
    finally:
        if mode == "tmpfs":
            subprocess.run(["umount", str(d)], check=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    d = tmp_path_factory.mktemp("ref")
    for args in (["eval", "-m", MODEL, "-c", SAMPLE, *EVAL, "-o", d / "e.json"],
                 ["sweep", "-m", MODEL, "-c", SAMPLE, *SWEEP, "--db", d / "s.sqlite", "-o", d / "s.json"]):
        proc = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    return d


def test_eval_on_a_full_disk_writes_nothing(disk, reference):
    disk.fill()
    out = disk.folder / "e.json"
    assert_full(disk.run("eval", "-m", MODEL, "-c", SAMPLE, *EVAL, "-o", out), disk, [out, str(out) + ".progress"])
    assert disk.leftovers() == []


@pytest.mark.parametrize("leave", [12 * 1024, 24 * 1024])
def test_eval_fills_the_disk_midway_then_resumes(disk, reference, leave):
    """The progress file grows by one batch at a time: the disk fills during the run (12 KiB:
    while writing the setup or the first batches; 24 KiB: later batches or the outputs at the
    end), the run stops with one line, and after space is back --resume finishes with the
    uninterrupted run's bytes."""
    disk.fill(leave)
    out = disk.folder / "e.json"
    args = ["eval", "-m", MODEL, "-c", SAMPLE, *EVAL, "-o", out]
    assert_full(disk.run(*args), disk, [out, str(out) + ".progress"])
    assert not out.exists() and not any(".tmp." in n for n in disk.leftovers()), disk.leftovers()
    assert set(disk.leftovers()) <= {"e.json.progress.sqlite"}, disk.leftovers()
    disk.free()
    again = disk.run(*args, "--resume")
    assert again.returncode == 0, again.stderr
    for ext in [".json", ".csv", ".md"]:
        assert (disk.folder / f"e{ext}").read_bytes() == (reference / f"e{ext}").read_bytes(), ext
    assert disk.leftovers() == ["e.csv", "e.json", "e.md"]


@pytest.mark.parametrize("share", [0.4, 0.8])
def test_sweep_fills_the_disk_midway_then_resumes(disk, reference, share):
    """The space left is a share of what the finished store takes."""
    disk.fill(int(share * (reference / "s.sqlite").stat().st_size))
    db, out = disk.folder / "s.sqlite", disk.folder / "s.json"
    args = ["sweep", "-m", MODEL, "-c", SAMPLE, *SWEEP, "--db", db, "-o", out]
    assert_full(disk.run(*args), disk, [db, out])
    assert not out.exists() and not any(".tmp." in n for n in disk.leftovers()), disk.leftovers()
    assert set(disk.leftovers()) <= {"s.sqlite"}, disk.leftovers()  # no journal left: rolled back
    disk.free()
    again = disk.run(*args)
    assert again.returncode == 0, again.stderr
    for ext in [".json", ".csv", ".md"]:
        assert (disk.folder / f"s{ext}").read_bytes() == (reference / f"s{ext}").read_bytes(), ext
