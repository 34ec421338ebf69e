"""The bad-input catalogue, limits part (issue 13): inputs far beyond any real one are answered
within seconds by a result or by one clear line (exit 1), never by an out-of-memory kill or a
hang. Each run gets a wall-clock limit and an address-space limit (RLIMIT_AS), so a hang fails
the test by timeout and a runaway allocation by 'out of memory' instead of taking the machine
down. The times and the answers are printed in the test log."""
import json
import resource
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from bad_input import assert_bad_input
from conftest import BIN

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "default"
SAMPLE = ROOT / "data" / "sample"
SECONDS = 60         # "within seconds" on a loaded 2-core CI machine, with margin
MEMORY = 6 << 30     # address space per run; the default model itself needs a few hundred MB


def run_limited(*args, seconds=SECONDS):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    t0 = time.monotonic()
    proc = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, timeout=seconds,
                          preexec_fn=limit)
    took = time.monotonic() - t0
    print(f"{' '.join(map(str, args[:1]))}: exit {proc.returncode} in {took:.1f} s: "
          f"{(proc.stderr.strip().splitlines() or [''])[-1][:200]}")
    assert "out of memory" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def model(tmp_path):
    d = tmp_path / "model"
    shutil.copytree(MODEL, d)
    return d


def test_corpus_line_of_50_mb_is_cut_and_said(tmp_path):
    """One 50 MB sentence: scored on its first n_ctx tokens, and the comparison JSON and
    Markdown say that a sentence was cut to the context."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    words = (SAMPLE / "en.txt").read_text(encoding="utf-8").split()
    line = " ".join(words * (50_000_000 // len(" ".join(words)) + 1))[:50_000_000]
    (corpus / "en.txt").write_text(line + "\n" + "A short sentence.\n", encoding="utf-8")
    (corpus / "de.txt").write_text((SAMPLE / "de.txt").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "e.json"
    proc = run_limited("eval", "-m", MODEL, "-c", corpus, "-p", "none", "--bootstrap", "10", "-t", "1", "-q", "-o", out)
    assert proc.returncode == 0, proc.stderr
    j = json.loads(out.read_text())
    assert j["truncated_units"] == 1
    n_ctx = j["n_ctx"]
    assert f"1 sentence was longer than the context and cut to it: only their first {n_ctx} tokens" in \
        out.with_suffix(".md").read_text()
    en = next(r for r in j["rows"] if r["lang"] == "en" and r["plan"] == "full-precision")
    # The cut sentence counts n_ctx - 1 scored tokens (BOS predicts nothing), the short one its own.
    assert n_ctx - 1 < en["tokens"] < n_ctx + 20, en["tokens"]
    assert en["bytes"] < 10_000  # the scored text's bytes, not the 50 MB line's


def test_corpus_of_10_million_lines_is_refused_at_once(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    with open(corpus / "en.txt", "w", encoding="utf-8") as f:
        block = "".join(f"Sentence number {i}.\n" for i in range(100_000))
        for _ in range(100):
            f.write(block)
    proc = run_limited("eval", "-m", MODEL, "-c", corpus, "-t", "1", "-q")
    line = assert_bad_input(proc, corpus / "en.txt", "more than 1000000 sentences")
    assert "head -n" in line


def test_corpus_at_the_sentence_limit_is_read(tmp_path):
    """The limit is the documented one, not lower: a million sentences load (dry run)."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    with open(corpus / "en.txt", "w", encoding="utf-8") as f:
        f.write("a\n" * 1_000_000)
    proc = run_limited("sweep", "--dry-run", "--plan", "none", "-m", MODEL, "-c", corpus, "--ctx", "4")
    assert proc.returncode == 0, proc.stderr


def test_config_with_100000_layers(model):
    cfg = json.loads((model / "config.json").read_text())
    cfg["n_layer"] = 100_000
    (model / "config.json").write_text(json.dumps(cfg))
    assert_bad_input(run_limited("inspect", model), model / "config.json", "is 100000, more than the 10000 langquant accepts")


def test_gguf_with_100000_layers(tmp_path):
    from gguf_raw import U32, tiny_llama
    g = tiny_llama()
    g.kv = [kv for kv in g.kv if kv[0] != "llama.block_count"]
    g.add("llama.block_count", U32, 100_000)
    path = g.write(tmp_path / "m.gguf")
    assert_bad_input(run_limited("inspect", path), path, "is 100000, more than the 10000 langquant accepts")


def write_tokenizer_with_merges(path, n_merges):
    """The default model's tokenizer grown to n_merges valid merges: tokens p<j> and q<k> are
    added to the vocabulary with every merge (p<j>, q<k>) and its result p<j>q<k>, so that the
    merge count, nothing else, is what is wrong. Streamed: the file is about 400 MB."""
    t = json.loads((MODEL / "tokenizer.json").read_text(encoding="utf-8"))
    vocab, merges = t["model"]["vocab"], t["model"]["merges"]
    side = 1
    while len(merges) + side * side < n_merges:
        side += 1
    t["model"]["vocab"], t["model"]["merges"] = "@VOCAB@", "@MERGES@"
    text = json.dumps(t)
    count = [len(merges)]

    def write_vocab(f):
        nid = len(vocab)
        f.write("{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in vocab.items()))
        for j in range(side):
            f.write(f', "p{j}": {nid}, "q{j}": {nid + 1}')
            nid += 2
        for j in range(side):
            f.write("".join(f', "p{j}q{k}": {nid + k}' for k in range(side)))
            nid += side
        f.write("}")

    def write_merges(f):
        f.write("[" + ", ".join(json.dumps(m) for m in merges))
        for j in range(side):
            k_end = max(0, min(side, n_merges - count[0]))
            f.write("".join(f', ["p{j}", "q{k}"]' for k in range(k_end)))
            count[0] += k_end
        f.write("]")

    parts = sorted([(text.index('"@VOCAB@"'), '"@VOCAB@"', write_vocab),
                    (text.index('"@MERGES@"'), '"@MERGES@"', write_merges)])
    with open(path, "w", encoding="utf-8") as f:
        at = 0
        for pos, marker, write in parts:
            f.write(text[at:pos])
            write(f)
            at = pos + len(marker)
        f.write(text[at:])
    return count[0]


def test_tokenizer_with_10_million_merges(model):
    """A valid tokenizer.json with 10 million merges (415 MB): refused by its size at once (it
    took 56 s and 5.8 GB to load before the limit)."""
    assert write_tokenizer_with_merges(model / "tokenizer.json", 10_000_000) == 10_000_000
    line = assert_bad_input(run_limited("tokenize", "--model", model, "--text", "hello"), model / "tokenizer.json",
                            "langquant refuses files over 128 MB")
    assert "MB" in line


def test_compact_tokenizer_with_5_million_merges(model):
    """Under the size limit (about 40 MB of short merges): refused by the merge count."""
    t = json.loads((model / "tokenizer.json").read_text(encoding="utf-8"))
    t["model"]["merges"] = "@MERGES@"
    before, after = json.dumps(t).split('"@MERGES@"')
    with open(model / "tokenizer.json", "w", encoding="utf-8") as f:
        f.write(before + "[" + ", ".join(['"a b"'] * 5_000_000) + "]" + after)
    assert_bad_input(run_limited("tokenize", "--model", model, "--text", "hello"), model / "tokenizer.json",
                     "has 5000000 merges")


def test_plan_with_100000_rules(model, tmp_path):
    plan = tmp_path / "plan.json"
    rules = [{"format": "fp16", "layers": [i % 4], "name": [f"blk.{i % 4}.*"]} for i in range(100_000)]
    plan.write_text(json.dumps({"base": "int4", "rules": rules}))
    proc = run_limited("plan", "show", plan, "--model", model)
    if proc.returncode == 0:
        assert "blk.0" in proc.stdout
    else:
        assert_bad_input(proc, plan, "rules")


def test_gguf_tokenizer_with_5_million_merges(tmp_path):
    """The GGUF vocabulary has tokenizer.json's limits: 5 million merges (a 50 MB file) are refused
    by their count with one line, before any tokenizer table is built."""
    from gguf_raw import ARRAY, STRING, tiny_llama
    g = tiny_llama()
    g.kv = [kv for kv in g.kv if kv[0] != "tokenizer.ggml.merges"]
    g.add("tokenizer.ggml.merges", ARRAY, (STRING, ["a b"] * 5_000_000))
    path = g.write(tmp_path / "m.gguf")
    assert_bad_input(run_limited("tokenize", "--model", path, "--text", "hello"), path,
                     "tokenizer.ggml.merges has 5000000 merges")
