"""Long runs that survive being stopped, and stores that never mix inputs (issue 13).

* `eval` killed with SIGKILL at seeded random points (and once with SIGTERM) and continued with
  `--resume` each time writes JSON, CSV and Markdown byte-identical to an uninterrupted run, on
  the default model and data/sample; its progress file only grows and is gone at the end.
* A progress file or sweep store refuses, in one line, another model (same shapes, other
  weights), another corpus, or the same corpus tokenized otherwise; an eval does not silently
  pick up an old progress file without --resume; a second eval on the same outputs stops.
* A checkpoint rewritten or truncated under a running job stops it with one line naming the
  file (size/mtime check between batches, SIGBUS handler inside one), exit 1, no output left.
"""
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bad_input import assert_bad_input
from checkpoints import make_gpt2
from conftest import BIN, run_lq
from gguf_raw import tiny_llama

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "default"
SAMPLE = ROOT / "data" / "sample"
EVAL = ["--langs", "en,de,ar,hi", "-p", "none", "--batch-tokens", "512", "--bootstrap", "50", "-t", "1", "-q"]


def eval_args(out, *extra, model=MODEL, corpus=SAMPLE):
    return ["eval", "-m", model, "-c", corpus, *EVAL, "-o", out, *extra]


def done_count(db):
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as c:
            return c.execute("SELECT count(*) FROM done").fetchone()[0]
    except sqlite3.Error:  # not created yet, or locked mid-commit
        return -1


def leftovers(folder, stem):
    return sorted(p.name for p in Path(folder).iterdir() if p.name.startswith(stem) and ".tmp." in p.name)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted eval (no --resume): the bytes every resumed run must reproduce."""
    d = tmp_path_factory.mktemp("ref")
    run_lq(*eval_args(d / "ref.json"))
    assert not (d / "ref.json.progress.sqlite").exists(), "a finished eval left its progress file"
    return d


def test_eval_killed_and_resumed_is_byte_identical(reference, tmp_path):
    out = tmp_path / "k.json"
    progress = tmp_path / "k.json.progress.sqlite"
    rng = random.Random(20261203)
    total = None
    counts = []
    # Five SIGKILLs: one during start-up, four when the file holds a random number of finished
    # batches (plus a few random milliseconds, so kills also land inside a batch or a commit);
    # then one SIGTERM, then a run to the end.
    plan = [("kill", 0)] + [("kill", k) for k in sorted(rng.sample(range(1, 20), 4))] + [("term", 21), ("end", None)]
    for how, target in plan:
        proc = subprocess.Popen([BIN, *map(str, eval_args(out, "--resume"))], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        if how == "end":
            assert proc.wait() == 0, proc.stderr.read().decode()
            break
        if target == 0:
            time.sleep(rng.uniform(0.0, 0.3))
        else:
            while proc.poll() is None and done_count(progress) < target:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.02))
        proc.send_signal(signal.SIGKILL if how == "kill" else signal.SIGTERM)
        rc = proc.wait()
        err = proc.stderr.read().decode()
        if rc == 0:  # finished before the signal: nothing left to resume
            break
        assert rc == (-signal.SIGKILL if how == "kill" else 130), (rc, err)
        assert not out.exists(), "a stopped eval left an output file"
        if how == "term":  # SIGKILL's temporary files are removed by the next run
            assert leftovers(tmp_path, "k.") == [], leftovers(tmp_path, "k.")
        counts.append(done_count(progress))
        if total is None and counts[-1] > 0:
            with sqlite3.connect(progress) as c:
                total = 2 * c.execute("SELECT count(*) FROM pieces").fetchone()[0]  # FP and one plan
    assert counts == sorted(counts), f"the progress file lost finished batches: {counts}"
    assert total and sum(0 < n < total for n in counts) >= 3, f"too few kills landed mid-run: {counts} of {total}"
    for ext in [".json", ".csv", ".md"]:
        assert (tmp_path / f"k{ext}").read_bytes() == (reference / f"ref{ext}").read_bytes(), ext
    assert not progress.exists(), "a finished eval left its progress file"
    assert leftovers(tmp_path, "k.") == [], "killed runs' temporary files were not removed"


def test_eval_resume_of_a_finished_run_recomputes_nothing(reference, tmp_path):
    """--resume without a progress file is an ordinary run: same bytes."""
    run_lq(*eval_args(tmp_path / "r.json", "--resume"))
    assert (tmp_path / "r.json").read_bytes() == (reference / "ref.json").read_bytes()


def kill_after_first_batch(args, progress):
    proc = subprocess.Popen([BIN, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and done_count(progress) < 2:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert done_count(progress) >= 2


def test_eval_does_not_pick_up_old_progress_without_resume(tmp_path):
    out = tmp_path / "p.json"
    progress = tmp_path / "p.json.progress.sqlite"
    kill_after_first_batch(eval_args(out), progress)
    line = assert_bad_input(run_lq(*eval_args(out), check=False), progress, "interrupted eval run")
    assert "--resume" in line
    assert not out.exists() and leftovers(tmp_path, "p.") == []


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """The default model with one weight changed in the middle of a tensor's sampled window:
    same config, tensor table and sizes."""
    d = tmp_path_factory.mktemp("other") / "model"
    shutil.copytree(MODEL, d)
    raw = bytearray((d / "model.safetensors").read_bytes())
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    begin, _ = header["transformer.h.0.mlp.c_fc.weight"]["data_offsets"]
    at = 8 + n + begin + 4096 - 4  # inside the first 4 KiB the identity reads
    raw[at:at + 4] = (int.from_bytes(raw[at:at + 4], "little") ^ 0x00400000).to_bytes(4, "little")
    (d / "model.safetensors").write_bytes(bytes(raw))
    return d


def test_eval_progress_of_another_model_is_refused(tmp_path, other_model):
    out = tmp_path / "m.json"
    progress = tmp_path / "m.json.progress.sqlite"
    kill_after_first_batch(eval_args(out), progress)
    before = progress.read_bytes()
    line = assert_bad_input(run_lq(*eval_args(out, "--resume", model=other_model), check=False), progress,
                            "holds results of another model")
    assert "model hash" in line and "refusing to mix" in line
    assert progress.read_bytes() == before and not out.exists()


def test_eval_progress_of_another_corpus_is_refused(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    out = tmp_path / "c.json"
    progress = tmp_path / "c.json.progress.sqlite"
    kill_after_first_batch(eval_args(out, corpus=corpus), progress)
    # Same number of lines and bytes per language: only the text differs.
    text = (corpus / "de.txt").read_text(encoding="utf-8")
    (corpus / "de.txt").write_text(text.replace("e", "a", 1), encoding="utf-8")
    assert_bad_input(run_lq(*eval_args(out, "--resume", corpus=corpus), check=False), progress,
                     "holds results of another corpus")


def test_eval_second_writer_on_the_same_outputs_stops(tmp_path):
    out = tmp_path / "w.json"
    progress = tmp_path / "w.json.progress.sqlite"
    first = subprocess.Popen([BIN, *map(str, eval_args(out))], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while first.poll() is None and done_count(progress) < 1:
        time.sleep(0.005)
    second = run_lq(*eval_args(out, "--resume"), check=False)
    assert first.wait() == 0, first.stderr.read().decode()
    assert_bad_input(second, progress, "another eval is writing this database")
    assert out.exists() and not progress.exists()


def test_sweep_store_of_another_model_is_refused(tmp_path, other_model):
    """Same path, same options, same shapes: only the weights changed between the two runs."""
    model = tmp_path / "model"
    shutil.copytree(MODEL, model)
    db = tmp_path / "s.sqlite"
    args = ["sweep", "-m", model, "-c", SAMPLE, "--langs", "en,de", "--plan", "base=int8", "--db", db,
            "--bootstrap", "10", "-t", "1", "-q"]
    run_lq(*args, "--out", tmp_path / "s1.json")
    shutil.copy(other_model / "model.safetensors", model / "model.safetensors")
    before = db.read_bytes()
    assert_bad_input(run_lq(*args, "--out", tmp_path / "s2.json", check=False), db, "holds results of another model")
    assert db.read_bytes() == before and not (tmp_path / "s2.json").exists()


# A checkpoint changed under a running job ------------------------------------------------------


def long_eval(model, out):
    """About 10 s on one thread: time to change the checkpoint under it."""
    return subprocess.Popen([BIN, "eval", "-m", str(model), "-c", str(SAMPLE), "-p", "none", "--batch-tokens", "256",
                             "--bootstrap", "10", "-t", "1", "-q", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_running(proc, progress):
    while proc.poll() is None and done_count(progress) < 2:
        time.sleep(0.01)
    assert proc.poll() is None, "eval finished before the checkpoint could be changed"


def test_checkpoint_rewritten_in_place_under_eval(tmp_path, other_model):
    model = tmp_path / "model"
    shutil.copytree(MODEL, model)
    out = tmp_path / "e.json"
    proc = long_eval(model, out)
    wait_running(proc, tmp_path / "e.json.progress.sqlite")
    # In place (same inode, same size), as `cp` over a file or a download tool would.
    with open(model / "model.safetensors", "r+b") as f:
        f.write((other_model / "model.safetensors").read_bytes())
    proc.wait()
    line = assert_bad_input(subprocess.CompletedProcess([], proc.returncode, "", proc.stderr.read()),
                            model / "model.safetensors", "changed on disk while langquant was reading it")
    assert "mix two checkpoints" in line
    assert not out.exists() and leftovers(tmp_path, "e.") == []


def test_checkpoint_truncated_under_eval(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(MODEL, model)
    out = tmp_path / "t.json"
    proc = long_eval(model, out)
    wait_running(proc, tmp_path / "t.json.progress.sqlite")
    st = model / "model.safetensors"
    with open(st, "r+b") as f:
        f.truncate(st.stat().st_size // 2)
    proc.wait()
    err = proc.stderr.read()
    done = subprocess.CompletedProcess([], proc.returncode, "", err)
    # Between batches the size check answers; inside one, the SIGBUS handler: either way one line.
    assert proc.returncode == 1, (proc.returncode, err)
    line = assert_bad_input(done, st, "")
    assert "changed on disk" in line or "became shorter" in line, line
    assert not out.exists() and leftovers(tmp_path, "t.") == []


def test_gguf_truncated_under_score(tmp_path):
    """score reads a GGUF's weights in place from the mapping and checks nothing between
    batches: the truncation unmaps the pages past the new end, the next read of a weight raises
    SIGBUS, and the handler ends the run with one line naming the file (exit 1, no output),
    not a silent signal death (exit 135)."""
    path = tiny_llama(d=256, ff=1024, layers=4, heads=4).write(tmp_path / "m.gguf")
    text = tmp_path / "t.txt"
    text.write_text("the cat the mat the hat\n" * 4000, encoding="utf-8")
    out = tmp_path / "s.jsonl"
    proc = subprocess.Popen([BIN, "score", "-m", str(path), "-f", str(text), "-o", str(out), "-q", "-t", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert proc.poll() is None, "score finished before the file could be truncated"
    with open(path, "r+b") as f:
        f.truncate(4096)
    rc = proc.wait()
    assert_bad_input(subprocess.CompletedProcess([], rc, "", proc.stderr.read()), path, "became shorter")
    assert not out.exists() and leftovers(tmp_path, "s.") == []


# train: --resume continues from the last checkpoint (--save-at) ------------------------------


def train_args(mix, out, steps=300):
    return ["train", "--mix", mix, "-o", out, "--vocab-size", "300", "--tokenizer-sample-mb", "0.02", "--layers", "2",
            "--d-model", "64", "--heads", "2", "--ctx", "32", "--batch", "8", "--steps", str(steps),
            "--save-at", ",".join(str(s) for s in range(10, steps + 1, 10)), "--log-every", "1", "-t", "1", "-q"]


def normalised_log(path):
    return [{k: v for k, v in json.loads(l).items() if k != "tokens_per_second"}
            for l in path.read_text().splitlines() if l.strip()]


def test_train_killed_and_resumed_is_byte_identical(tmp_path):
    """SIGKILL at five seeded random moments (inside steps, inside checkpoint writes), --resume
    each time: every checkpoint and the log (but its wall-time rate) equal an uninterrupted run."""
    mix = tmp_path / "mix.toml"
    mix.write_text("".join(f'[[source]]\nlang = "{l}"\nfiles = ["{SAMPLE / (l + ".txt")}"]\nweight = {w}\n\n'
                           for l, w in [("en", 3), ("ar", 1)]))
    t0 = time.monotonic()
    run_lq(*train_args(mix, tmp_path / "ref"))
    took = time.monotonic() - t0
    out = tmp_path / "k"
    rng = random.Random(7)
    killed = 0
    for _ in range(5):
        proc = subprocess.Popen([BIN, *map(str, train_args(mix, out)), "--resume"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.05, 0.6) * took)
        proc.kill()
        rc = proc.wait()
        assert rc in (0, -signal.SIGKILL), (rc, proc.stderr.read().decode())
        killed += rc == -signal.SIGKILL
    assert killed >= 3, f"only {killed} kills landed before the run ended"
    run_lq(*train_args(mix, out), "--resume")
    ref_steps = sorted(p.name for p in (tmp_path / "ref").glob("step-*"))
    assert sorted(p.name for p in out.glob("step-*")) == ref_steps
    for step in ref_steps:
        for f in ("model.safetensors", "optimizer.safetensors", "config.json", "tokenizer.json"):
            assert (out / step / f).read_bytes() == (tmp_path / "ref" / step / f).read_bytes(), (step, f)
    assert normalised_log(out / "train_log.jsonl") == normalised_log(tmp_path / "ref" / "train_log.jsonl")


# search and recommend: every scoring pass kept in the progress file -------------------------

SEARCH = ["-m", MODEL, "-c", SAMPLE, "--langs", "en,ar", "--groups", "layers", "--target", "max_kl<=0.105",
          "--budget", "0.5", "--race-start", "8", "--bootstrap", "100", "-t", "1", "-q"]


def pass_count(db):
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as c:
            return c.execute("SELECT count(*) FROM passes").fetchone()[0]
    except sqlite3.Error:
        return -1


@pytest.mark.parametrize("command", ["search", "recommend"])
def test_search_killed_and_resumed_is_byte_identical(tmp_path, command):
    """SIGKILL once during start-up and at three seeded random numbers of finished passes (plus
    a few random milliseconds), --resume each time: the plan file and the printed report (path,
    racing counts, engine passes, final check) equal an uninterrupted run's."""
    ref = run_lq(command, *SEARCH, "-o", tmp_path / "ref.toml")
    out = tmp_path / "k.toml"
    progress = tmp_path / "k.toml.progress.sqlite"
    rng = random.Random(11 if command == "search" else 12)
    landed = 0
    for target in [0] + sorted(rng.sample(range(1, 8), 3)):
        proc = subprocess.Popen([BIN, command, *map(str, SEARCH), "-o", str(out), "--resume"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if target == 0:
            time.sleep(rng.uniform(0.0, 0.3))
        else:
            while proc.poll() is None and pass_count(progress) < target:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.05))
        proc.kill()
        rc = proc.wait()
        assert rc in (0, -signal.SIGKILL), (rc, proc.stderr.read().decode())
        if rc == 0:
            break
        landed += pass_count(progress) > 0
        assert not out.exists()
    assert landed >= 2, "too few kills landed after a finished pass"
    again = run_lq(command, *SEARCH, "-o", out, "--resume")
    assert out.read_bytes() == (tmp_path / "ref.toml").read_bytes()
    assert again.stdout == ref.stdout
    assert not progress.exists()
    assert leftovers(tmp_path, "k.") == []


def test_search_progress_of_another_model_is_refused(tmp_path, other_model):
    out = tmp_path / "m.toml"
    progress = tmp_path / "m.toml.progress.sqlite"
    proc = subprocess.Popen([BIN, "search", *map(str, SEARCH), "-o", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while proc.poll() is None and pass_count(progress) < 1:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    args = ["search", *SEARCH, "-o", out]
    args[args.index(MODEL)] = other_model
    assert_bad_input(run_lq(*args, "--resume", check=False), progress, "holds a run of another model")
    line = assert_bad_input(run_lq("search", *SEARCH, "-o", out, check=False), progress, "interrupted search run")
    assert "--resume" in line


# imatrix, activations, fisher: finished work kept per batch or per language -----------------

def kill_during_runs(args, progress, count, targets, rng, outputs, delay):
    """Runs `langquant ARGS --resume` once per target and SIGKILLs it: target 0 during start-up,
    otherwise once count(progress) >= target, plus up to `delay` random seconds. Every stopped run
    must leave none of `outputs`. Returns everything the runs said on stderr."""
    said = ""
    for target in targets:
        proc = subprocess.Popen([BIN, *map(str, args), "--resume"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if target == 0:
            time.sleep(rng.uniform(0.0, 0.3))
        else:
            while proc.poll() is None and count(progress) < target:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, delay))
        proc.kill()
        rc = proc.wait()
        said += proc.stderr.read().decode()
        assert rc in (0, -signal.SIGKILL), (rc, said)
        if rc == 0:
            break
        for out in outputs:
            assert not out.exists(), f"a stopped run left {out.name}"
    return said


IMATRIX = ["imatrix", "-m", MODEL, "-c", SAMPLE, "--langs", "en,de,ar", "--ctx", "16", "--batch-tokens", "16",
           "--mix", "balanced", "-t", "1"]


def test_imatrix_killed_and_resumed_is_byte_identical(tmp_path):
    """SIGKILL once during start-up and in each language at a seeded random moment after its
    first saved batch, --resume each time: every per-language file and the mix equal an
    uninterrupted run's bytes, the run said it resumed mid-language, and the progress file is
    gone at the end. (Finished languages' files stay on disk between runs: they are finished work.)"""
    (tmp_path / "ref").mkdir()
    ref = run_lq(*IMATRIX, "-q", "-o", tmp_path / "ref" / "im.gguf")
    out = tmp_path / "im.gguf"
    progress = tmp_path / "im.gguf.progress.sqlite"
    said = kill_during_runs([*IMATRIX, "-o", out], progress, pass_count, [0, 1, 2, 3], random.Random(20261203),
                            [out], 0.3)
    assert "resuming after" in said, "no kill landed inside a language: nothing was resumed"
    again = run_lq(*IMATRIX, "-o", out, "--resume")
    assert again.stdout.replace(str(tmp_path), "") == ref.stdout.replace(str(tmp_path / "ref"), "")
    for name in ["im.gguf", "im.en.gguf", "im.de.gguf", "im.ar.gguf"]:
        assert (tmp_path / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
    assert not progress.exists()
    assert leftovers(tmp_path, "im.") == []


def test_imatrix_progress_is_not_picked_up_without_resume(tmp_path):
    out = tmp_path / "im.gguf"
    progress = tmp_path / "im.gguf.progress.sqlite"
    proc = subprocess.Popen([BIN, *map(str, IMATRIX), "-q", "-o", str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while proc.poll() is None and pass_count(progress) < 1:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert_bad_input(run_lq(*IMATRIX, "-q", "-o", out, check=False), progress, "add --resume")


ACTIVATIONS = ["activations", "-m", MODEL, "-c", SAMPLE, "--langs", "en,de,ar,hi,ja,zh", "--sentences", "0",
               "-p", "none", "--batch-tokens", "256", "-t", "1"]


def test_activations_killed_and_resumed_is_byte_identical(tmp_path):
    """SIGKILL during start-up and after seeded random numbers of finished languages (plus a few
    random milliseconds), --resume each time: JSON, Markdown and the raw hidden dumps equal an
    uninterrupted run's, finished languages were not recomputed, no output exists before the end,
    and the progress file is gone after it."""
    ref = tmp_path / "ref"
    ref.mkdir()
    run_lq(*ACTIVATIONS, "-q", "-o", ref / "a.json", "--md", ref / "a.md", "--dump-hidden", ref / "hidden")
    out, md, dump = tmp_path / "a.json", tmp_path / "a.md", tmp_path / "hidden"
    progress = tmp_path / "a.json.progress.sqlite"
    args = [*ACTIVATIONS, "-o", out, "--md", md, "--dump-hidden", dump]
    rng = random.Random(7)
    said = kill_during_runs(args, progress, pass_count, [0] + sorted(rng.sample(range(1, 6), 3)), rng, [out, md], 0.05)
    assert "finished by an earlier run" in said, "no kill landed after a finished language"
    run_lq(*args, "--resume")
    assert out.read_bytes() == (ref / "a.json").read_bytes()
    assert md.read_bytes() == (ref / "a.md").read_bytes()
    ref_dumps = sorted(p.name for p in (ref / "hidden").iterdir())
    assert sorted(p.name for p in dump.iterdir()) == ref_dumps
    for name in ref_dumps:
        assert (dump / name).read_bytes() == (ref / "hidden" / name).read_bytes(), name
    assert not progress.exists()
    assert leftovers(tmp_path, "a.") == []


FISHER = ["fisher", "-m", MODEL, "-c", SAMPLE, "-l", "en,ar,hi,de,ja,zh", "-g", "lr=ar,hi", "--max-sentences", "40",
          "-t", "1"]


def test_fisher_killed_and_resumed_is_byte_identical(tmp_path):
    """SIGKILL during start-up and after seeded random numbers of finished languages (plus a few
    random milliseconds), --resume each time: the .safetensors and its JSON summary equal an
    uninterrupted run's bytes, finished languages were not recomputed, and the progress file is
    gone at the end."""
    (tmp_path / "ref").mkdir()
    run_lq(*FISHER, "-q", "-o", tmp_path / "ref" / "f.safetensors")
    out = tmp_path / "f.safetensors"
    progress = tmp_path / "f.safetensors.progress.sqlite"
    rng = random.Random(5)
    said = kill_during_runs([*FISHER, "-o", out], progress, languages_done, [0] + sorted(rng.sample(range(1, 6), 3)),
                            rng, [out], 0.05)
    assert "finished by an earlier run" in said, "no kill landed after a finished language"
    run_lq(*FISHER, "-o", out, "--resume")
    assert out.read_bytes() == (tmp_path / "ref" / "f.safetensors").read_bytes()
    assert (tmp_path / "f.json").read_text() == (tmp_path / "ref" / "f.json").read_text().replace(
        str(tmp_path / "ref" / "f"), str(tmp_path / "f"))
    assert not progress.exists()
    assert leftovers(tmp_path, "f.") == []


def languages_done(db):
    """Languages whose head row is stored (written after all their tensors)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as c:
            return c.execute("SELECT count(*) FROM passes WHERE key NOT LIKE '%/%'").fetchone()[0]
    except sqlite3.Error:
        return -1
