"""open_checkpoint's properties against the checkpoint's own files, errors as the CLI's one line,
and the score columns as numpy views into the C++ result (no copy)."""
import gc
import json

import langquant as lq
import numpy as np
import pytest
from conftest import CORPUS, MODEL, SOURCE, run_cli


def test_open_checkpoint_properties():
    ck = lq.open_checkpoint(SOURCE / MODEL)
    config = json.load(open(SOURCE / MODEL / "config.json"))
    assert ck.architecture == "gpt2"
    assert (ck.n_layer, ck.n_embd, ck.n_head, ck.n_ctx, ck.n_vocab) == (
        config["n_layer"], config["n_embd"], config["n_head"], config["n_positions"], config["vocab_size"])
    assert ck.parameter_count == sum(int(np.prod(t["shape"])) for t in ck.tensors)
    assert {t["name"] for t in ck.tensors} >= {"token_embd.weight", "blk.0.attn_qkv.weight"}


def test_tokenizer_matches_the_cli(work):
    ck = lq.open_checkpoint(work / MODEL)
    stdout = run_cli(["tokenize", "--model", MODEL, "--file", f"{CORPUS}/ar.txt"], work)
    lines = open(work / CORPUS / "ar.txt", encoding="utf-8").read().splitlines()
    assert [" ".join(map(str, ck.encode(line))) for line in lines] == stdout.splitlines()
    assert ck.decode(ck.encode(lines[0])) == lines[0]


def test_bad_input_is_one_line_naming_the_file(chdir_work):
    with pytest.raises(lq.Error, match=r"^no-such-corpus: ") as e:
        lq.eval(MODEL, "no-such-corpus", progress=False)
    assert "\n" not in str(e.value)
    assert isinstance(e.value, ValueError)
    with pytest.raises(lq.Error, match=r"plan\[0\] \(dict\): .*base"):
        lq.eval(MODEL, CORPUS, plan={"rules": []}, out="never.json", progress=False)
    assert not (chdir_work / "never.json").exists()


def test_logprobs_are_a_view_not_a_copy(chdir_work):
    r = lq.score(MODEL, f"{CORPUS}/de.txt", threads=1, progress=False)
    a = r.logprobs
    assert a.dtype == np.float64 and a.ndim == 1 and len(a) == len(r) > 0
    assert not a.flags.owndata and not a.flags.writeable
    assert a.base is r._core  # the C++ result owns the memory and lives as long as the view
    # Strided over the C++ token records: a copy would be contiguous with an 8-byte stride.
    assert a.strides[0] > 8 and not a.flags.c_contiguous
    assert np.shares_memory(a, r.logprobs)
    expected = [json.loads(x)["logprob"] for x in r.to_jsonl().splitlines()]
    del r
    gc.collect()
    assert a.tolist() == expected  # still valid: the view keeps the result alive
    with pytest.raises(ValueError):
        a[0] = 0.0


def test_progress_callback_sees_every_batch(chdir_work):
    seen = []
    r = lq.score(MODEL, f"{CORPUS}/en.txt", batch_tokens=256, progress=lambda *e: seen.append(e), threads=1)
    labels = {e[0] for e in seen}
    assert labels == {"score"}
    done = [e[1] for e in seen]
    assert done[0] == 0 and done == sorted(done) and len(done) > 3
    assert done[-1] == seen[-1][2]  # ends at the total
    assert len(r) > 0


def test_pandas_missing_is_a_clear_import_error(chdir_work, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("No module named 'pandas'")
        return real_import(name, *args, **kwargs)

    r = lq.score(MODEL, f"{CORPUS}/en.txt", threads=1, progress=False)
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match="to_pandas\\(\\) needs pandas"):
        r.to_pandas()
