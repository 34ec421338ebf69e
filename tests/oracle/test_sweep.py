"""`langquant sweep`: the resumable SQLite-backed runner, end to end.

* A sweep's comparison equals `eval --plan` on the same plans (eval is itself checked against
  transformers in test_plans_eval.py): same plan costs, same per-language numbers.
* A sweep killed with SIGKILL at random moments and resumed each time writes byte-identical
  JSON, CSV and Markdown to an uninterrupted run; the store only ever grows.
* Export from the store alone (no model) gives the same bytes; a store made by another sweep is
  refused with a one-line error naming it, and no output file appears.
* Length buckets (text-length recipe): each bucket's numbers equal `eval` run on just the
  sentences of that bucket.
"""
import json
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from checkpoints import make_gpt2
from conftest import BIN, CORPORA, run_lq

LANGS = ["en", "de", "fi"]
N_SENT = 6
PLANS = ["none", "layer0", "magnitude-5", "base=int2", "odd-layers"]
COMMON = ["--bootstrap", "200", "--threads", "2", "--quiet"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    corpus = d / "corpus"
    corpus.mkdir()
    for lang in LANGS:
        lines = [l for l in (CORPORA / "ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").splitlines() if l.strip()]
        (corpus / f"{lang}.txt").write_text("\n".join(lines[:N_SENT]) + "\n", encoding="utf-8")
    model = d / "model"
    # Wide initialisation: predictions far from uniform, so quantization visibly moves them.
    make_gpt2(model, n_layer=3, n_embd=64, n_head=4, initializer_range=0.2, seed=5)
    return d, model, corpus


def sweep_args(model, corpus, db, out, *extra, plans=PLANS):
    args = ["sweep", "--model", model, "--corpus", corpus, "--db", db, "--out", out, *COMMON, *extra]
    for p in plans:
        args += ["--plan", p]
    return args


def test_sweep_equals_eval(setup):
    d, model, corpus = setup
    run_lq(*sweep_args(model, corpus, d / "eq.sqlite", d / "eq.json", "--batch", "4"))
    eval_args = ["eval", "--model", model, "--corpus", corpus, "--out", d / "ev.json", *COMMON]
    for p in PLANS:
        eval_args += ["--plan", p]
    run_lq(*eval_args)
    s = json.loads((d / "eq.json").read_text())
    e = json.loads((d / "ev.json").read_text())
    for key in ["model", "corpus", "mode", "n_ctx", "bos", "reference_language", "interval"]:
        assert s[key] == e[key], key
    assert [{k: v for k, v in p.items() if k != "tags"} for p in s["plans"]] == e["plans"]
    assert s["plans"][0]["tags"] == {"axis": "reference"}
    assert s["plans"][2]["tags"] == {"axis": "plans", "plan": "layer0"}
    assert s["sweep"]["experiment"] == "plans"
    assert len(s["rows"]) == len(e["rows"]) == len(LANGS) * (len(PLANS) + 1)
    for rs, re_ in zip(s["rows"], e["rows"]):
        assert (rs["plan"], rs["lang"]) == (re_["plan"], re_["lang"])
        for k in ["units", "tokens", "bytes", "chars"]:
            assert rs[k] == re_[k]
        # Pieces batch sentences differently from eval; sums may differ in the last bits.
        for k in ["nll", "ppl", "bpb", "kl", "top1"]:
            assert rs[k] == pytest.approx(re_[k], rel=1e-6, abs=1e-9), (rs["plan"], rs["lang"], k)
        # Differences of two such sums (bpb_P - bpb_FP, ppl_P / ppl_FP - 1) carry their terms'
        # absolute error, so they are bounded by it rather than relative to their own size.
        for k, scale in [("delta_bpb", "bpb"), ("degradation", "ppl")]:
            assert rs[k] == pytest.approx(re_[k], rel=1e-6, abs=1e-6 * abs(re_[scale])), (rs["plan"], rs["lang"], k)
    kl = {(r["plan"], r["lang"]): r["kl"] for r in s["rows"]}
    assert kl[("base=int2", "en")] > kl[("none", "en")] > 0


def done_count(db):
    """Finished (set, piece) pairs in the store. Opened read-write (never created) so that a hot
    journal left by a kill is rolled back, exactly as the next sweep would."""
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=30)
        try:
            return con.execute("SELECT count(*) FROM done").fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:  # killed before the tables existed
        return 0


def test_sigkill_resume_is_byte_identical(setup):
    d, model, corpus = setup
    extra = ["--batch", "2", "--sets-per-pass", "2"]
    plans = PLANS[:3]  # few sets keep the test short; many pieces give many kill points
    run_lq(*sweep_args(model, corpus, d / "ref.sqlite", d / "ref.json", *extra, plans=plans))
    pieces = len(LANGS) * ((N_SENT + 1) // 2)
    total = pieces * (len(plans) + 1)
    db, out = d / "k.sqlite", d / "k.json"
    rng = random.Random(1234)
    # Kill once during startup, then each time the store reaches a random number of finished
    # pieces (plus a random few milliseconds, so kills also land inside passes and commits),
    # then let the last run finish.
    targets = [0] + sorted(rng.sample(range(1, total - 1), 3)) + [None]
    counts = []
    for target in targets:
        proc = subprocess.Popen([BIN, *map(str, sweep_args(model, corpus, db, out, *extra, plans=plans))],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if target is None:
            assert proc.wait() == 0, proc.stderr.read().decode()
        else:
            if target == 0:
                time.sleep(rng.uniform(0.0, 0.2))
            else:
                while proc.poll() is None and done_count(db) < target:
                    time.sleep(0.01)
                time.sleep(rng.uniform(0.0, 0.03))
            proc.send_signal(signal.SIGKILL)
            assert proc.wait() == -signal.SIGKILL, proc.stderr.read().decode()
            assert not out.exists(), "a killed sweep left an output file"
        counts.append(done_count(db))
    assert counts == sorted(counts), f"the store lost finished pieces: {counts}"
    assert counts[-1] == total
    assert sum(0 < n < total for n in counts) >= 2, f"no kill landed mid-sweep: {counts}"
    for ext in [".json", ".csv", ".md"]:
        assert (d / f"k{ext}").read_bytes() == (d / f"ref{ext}").read_bytes(), ext
    # Resuming a finished sweep computes nothing and writes the same bytes again.
    run_lq(*sweep_args(model, corpus, db, d / "k2.json", *extra, plans=plans))
    assert (d / "k2.json").read_bytes() == (d / "ref.json").read_bytes()
    # Export without the model reads the store alone.
    run_lq("sweep", "--db", db, "--out", d / "k3.json", "--bootstrap", "200")
    assert (d / "k3.json").read_bytes() == (d / "ref.json").read_bytes()


def test_store_of_another_sweep_is_refused(setup):
    d, model, corpus = setup
    db = d / "other.sqlite"
    run_lq(*sweep_args(model, corpus, db, d / "o1.json", "--batch", "5"))
    p = run_lq("sweep", "--model", model, "--corpus", corpus, "--db", db, "--out", d / "o2.json", "--plan", "none",
               "--batch", "5", *COMMON, check=False)
    assert p.returncode == 1
    assert p.stderr.count("\n") == 1 and str(db) in p.stderr and "another sweep" in p.stderr
    assert not (d / "o2.json").exists()
    p = run_lq(*sweep_args(model, corpus, db, d / "o3.json", "--batch", "4"), check=False)
    assert p.returncode == 1 and "batch was 5, now 4" in p.stderr
    text = d / "not-a-db.sqlite"
    text.write_text("hello, this is not SQLite at all, but long enough to have a header..........\n")
    p = run_lq(*sweep_args(model, corpus, text, d / "o4.json"), check=False)
    assert p.returncode == 1 and str(text) in p.stderr and not (d / "o4.json").exists()
    p = run_lq("sweep", "--recipe", "no-such", "--model", model, "--corpus", corpus, "--db", d / "x.sqlite", check=False)
    assert p.returncode == 1 and "no-such" in p.stderr
    bad = d / "bad.toml"
    bad.write_text('[[axis]]\ntype = "layers"\nlayers = [9]\n')
    p = run_lq("sweep", "--experiment", bad, "--model", model, "--corpus", corpus, "--db", d / "y.sqlite", check=False)
    assert p.returncode == 1 and str(bad) in p.stderr and "outside the model's 3 layers" in p.stderr


def test_length_buckets_equal_eval_on_each_bucket(setup):
    d, model, corpus = setup
    run_lq("sweep", "--recipe", "text-length", "--model", model, "--corpus", corpus, "--db", d / "tl.sqlite",
           "--out", d / "tl.json", "--batch", "4", *COMMON)
    s = json.loads((d / "tl.json").read_text())
    buckets = s["sweep"]["buckets"]
    assert [b["bucket"] for b in buckets] == ["short", "medium", "long"]
    plans = [p["name"] for p in s["plans"][1:]]
    for b in buckets:
        # The bucket's sentences, chosen here from the corpus by UTF-8 length (thirds, ties by position).
        sub = d / f"bucket-{b['bucket']}"
        sub.mkdir()
        for lang in LANGS:
            lines = (corpus / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
            order = sorted(range(len(lines)), key=lambda i: (len(lines[i].encode()), i))
            third = len(lines) // 3
            part = {"short": order[:third], "medium": order[third:len(lines) - third], "long": order[len(lines) - third:]}
            keep = sorted(part[b["bucket"]])
            lens = [len(lines[i].encode()) for i in keep]
            assert b["bytes"][lang] == [min(lens), max(lens)]
            (sub / f"{lang}.txt").write_text("\n".join(lines[i] for i in keep) + "\n", encoding="utf-8")
        args = ["eval", "--model", model, "--corpus", sub, "--out", d / f"ev-{b['bucket']}.json", *COMMON]
        for p in plans:
            args += ["--plan", p]
        run_lq(*args)
        e = json.loads((d / f"ev-{b['bucket']}.json").read_text())
        assert len(b["rows"]) == len(e["rows"])
        for rs, re_ in zip(b["rows"], e["rows"]):
            assert (rs["plan"], rs["lang"], rs["tokens"], rs["bytes"]) == (re_["plan"], re_["lang"], re_["tokens"], re_["bytes"])
            for k in ["nll", "bpb", "kl", "top1"]:
                assert rs[k] == pytest.approx(re_[k], rel=1e-6, abs=1e-9), (b["bucket"], rs["plan"], rs["lang"], k)
            # A difference of two sums: bounded by their absolute error (see test_sweep_equals_eval).
            assert rs["delta_bpb"] == pytest.approx(re_["delta_bpb"], rel=1e-6, abs=1e-6 * abs(re_["bpb"]))
