"""A sharded sweep on a real single-node Slurm cluster (issue 14): Debian's slurmctld, slurmd and
munged, started by the test in a temporary folder and stopped after it (also on failure).

`langquant sweep ... --slurm DIR --shards 3 --submit` submits a 3-task job array and a merge job
that depends on it. One array task is cancelled with scancel while it runs (its store holds some
but not all of its cells); the merge job, whose dependency can no longer be met, is dropped by
Slurm. Running the same command again resubmits only the cancelled shard, which resumes its store,
and a new merge job. The merged store's JSON, CSV and Markdown must be byte-identical to an
unsharded run's (the same binary, the same thread count).

Skipped, saying so, when the Slurm or munge binaries are absent (scripts/setup.sh installs them).
"""
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import BIN, run_lq

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "default"
CORPUS = ROOT / "data" / "sample"
# Enough work that a shard runs for seconds: many small pieces, many plans.
SWEEP = ["--recipe", "per-layer-mlp", "--model", MODEL, "--corpus", CORPUS, "--langs", "en,ar,hi,ja", "--batch", "2",
         "--sets-per-pass", "3", "--bootstrap", "100"]
DAEMONS = ["munged", "slurmctld", "slurmd"]
CLIENTS = ["sbatch", "squeue", "scancel", "scontrol", "sinfo"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout, every=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Cluster:
    """munged + slurmctld + slurmd on this machine, everything under one temporary folder."""

    def __init__(self, root):
        self.root = root
        self.env = dict(os.environ, SLURM_CONF=str(root / "slurm.conf"))
        self.pids = {}

    def log(self, name):
        p = self.root / "log" / f"{name}.log"
        return p.read_text(errors="replace")[-2000:] if p.exists() else "(no log)"

    def start(self):
        r = self.root
        for sub in ["munge", "state", "spool", "log"]:
            (r / sub).mkdir(mode=0o700)
        key = r / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        sock = r / "munge" / "socket"
        subprocess.run(["munged", "--force", f"--key-file={key}", f"--socket={sock}", f"--pid-file={r}/munge/pid",
                        f"--log-file={r}/log/munged.log", f"--seed-file={r}/munge/seed"], check=True)
        self.pids["munged"] = r / "munge" / "pid"
        user = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
        mem_mb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024
        conf = f"""ClusterName=lqtest
SlurmctldHost=localhost
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser={user}
SlurmdUser={user}
AuthType=auth/munge
AuthInfo=socket={sock}
CredType=cred/munge
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=lqnode NodeHostname={socket.gethostname()} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={mem_mb // 2} State=UNKNOWN
PartitionName=lqtest Nodes=lqnode Default=YES MaxTime=INFINITE State=UP
"""
        (r / "slurm.conf").write_text(conf)
        subprocess.run(["slurmctld", "-f", r / "slurm.conf"], check=True, env=self.env)
        self.pids["slurmctld"] = r / "slurmctld.pid"
        subprocess.run(["slurmd", "-f", r / "slurm.conf", "-N", "lqnode"], check=True, env=self.env)
        self.pids["slurmd"] = r / "slurmd.pid"
        try:
            wait_for("the node to be idle", lambda: self.run("sinfo", "-h", "-o", "%t", check=False).stdout.strip() == "idle", 60)
        except AssertionError:
            raise AssertionError(f"Slurm did not come up.\nslurmctld: {self.log('slurmctld')}\nslurmd: {self.log('slurmd')}")

    def stop(self):
        subprocess.run(["scancel", "--full", "--user", str(os.getuid())], env=self.env, capture_output=True)
        try:
            wait_for("the queue to empty", lambda: not self.run("squeue", "-h", check=False).stdout.strip(), 30)
        except AssertionError:
            pass
        for name in ["slurmd", "slurmctld", "munged"]:
            pidfile = self.pids.get(name)
            if not pidfile or not pidfile.exists():
                continue
            pid = int(pidfile.read_text().split()[0])
            try:
                os.kill(pid, signal.SIGTERM)
                wait_for(f"{name} to stop", lambda: not Path(f"/proc/{pid}").exists(), 20)
            except ProcessLookupError:
                pass
            except AssertionError:
                os.kill(pid, signal.SIGKILL)

    def run(self, *args, check=True):
        return subprocess.run(list(map(str, args)), env=self.env, capture_output=True, text=True, check=check)

    def job_state(self, job):
        out = self.run("scontrol", "show", "job", job, check=False).stdout
        m = re.search(r"JobState=(\S+)", out)
        return m.group(1) if m else None


@pytest.fixture
def cluster():
    missing = [b for b in DAEMONS + CLIENTS if shutil.which(b) is None]
    if missing:
        pytest.skip(f"Slurm not installed ({', '.join(missing)} missing): scripts/setup.sh installs slurmctld, "
                    "slurmd, slurm-client and munge")
    root = Path(tempfile.mkdtemp(prefix="lqslurm-"))  # short: munge's socket path has a length limit
    root.chmod(0o755)
    c = Cluster(root)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(root, ignore_errors=True)


def done_count(db):
    if not db.exists():
        return 0
    # Read-write on purpose: a task killed inside a transaction leaves a hot rollback journal,
    # which a read-only connection cannot roll back ("attempt to write a readonly database");
    # this connection rolls it back as langquant's resume does. While the task lives it holds
    # the lock, so the journal is never hot and this is a plain reader.
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute("SELECT count(*) FROM done").fetchone()[0]
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):  # the task has not created its store yet
            return 0
        raise
    finally:
        con.close()


def share_size(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        first, end = __import__("json").loads(con.execute("SELECT value FROM meta WHERE key = 'shard'").fetchone()[0])["cells"]
        return end - first
    finally:
        con.close()


def submit(cluster, work, threads_args):
    p = subprocess.run([BIN, "sweep", *map(str, SWEEP), "--db", "merged.sqlite", "--out", "merged.json",
                        "--slurm", "slurm", "--shards", "3", "--cpus-per-task", "1", "--mem", "400M", "--time", "20",
                        "--partition", "lqtest", "--submit", *threads_args],
                       cwd=work, env=cluster.env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    array = re.search(r"shards: job (\d+), array tasks (\S+)", p.stdout)
    merge = re.search(r"merge: job (\d+)", p.stdout)
    assert array and merge, p.stdout
    return array.group(1), array.group(2), merge.group(1)


def test_sharded_sweep_on_slurm_survives_a_cancelled_task(cluster, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    # The unsharded reference, one thread as every array task (--cpus-per-task 1).
    run_lq("sweep", *SWEEP, "--db", "whole.sqlite", "--out", "whole.json", "--threads", "1", "--quiet", cwd=work)

    array, tasks, merge1 = submit(cluster, work, [])
    assert tasks == "0-2"
    shard2 = work / "slurm" / "shard-2-of-3.sqlite"
    total2 = None
    # Cancel array task 1 (shard 2/3) once it has stored a quarter of its share, not all of it.
    def partway():
        nonlocal total2
        n = done_count(shard2)
        if n and total2 is None:
            total2 = share_size(shard2)
        return total2 is not None and total2 // 4 <= n < total2
    wait_for("shard 2/3 to be part-way", partway, 300, every=0.05)
    cluster.run("scancel", f"{array}_1")
    wait_for("task 1 to end", lambda: cluster.job_state(f"{array}_1") in ("CANCELLED", "FAILED"), 60)
    at_cancel = done_count(shard2)
    assert total2 // 4 <= at_cancel < total2, (at_cancel, total2)
    assert not (work / "slurm" / "shard-2-of-3.done").exists()
    # The other tasks finish; the first merge job never runs.
    for t in (0, 2):
        wait_for(f"task {t}", lambda: cluster.job_state(f"{array}_{t}") == "COMPLETED", 300)
    wait_for("the first merge job to be dropped", lambda: cluster.job_state(merge1) in ("CANCELLED", None), 60)
    assert not (work / "merged.sqlite").exists()

    # Resubmitting (the same command) runs only shard 2/3, which resumes its store.
    array2, tasks2, merge2 = submit(cluster, work, [])
    assert tasks2 == "1"
    wait_for("the merge job", lambda: cluster.job_state(merge2) in ("COMPLETED", "FAILED", "CANCELLED"), 600, every=0.5)
    log = (work / "slurm" / "logs" / "merge.log").read_text()
    assert cluster.job_state(f"{array2}_1") == "COMPLETED"
    assert cluster.job_state(merge2) == "COMPLETED", log
    assert done_count(shard2) == total2 and at_cancel < total2
    shard_log = (work / "slurm" / "logs" / "shard-1.log").read_text()
    print(f"array {array}: task 1 cancelled with {at_cancel} of its {total2} cells stored; resubmitted as "
          f"{array2}_1, merge job {merge2}\nshard-1.log:\n{shard_log}merge.log:\n{log}")
    for ext in (".json", ".csv", ".md"):
        assert (work / f"merged{ext}").read_bytes() == (work / f"whole{ext}").read_bytes(), ext
    rows = "SELECT sett, unit, tokens, nll, kl, top1 FROM results ORDER BY sett, unit"
    con_a, con_b = sqlite3.connect(work / "merged.sqlite"), sqlite3.connect(work / "whole.sqlite")
    assert con_a.execute(rows).fetchall() == con_b.execute(rows).fetchall()
