"""The bad-input catalogue: malformed checkpoints, configs, tokenizers, corpora and paths, each
answered by exit code 1 and exactly one stderr line "langquant: error: <file>: <problem>" that
names the offending file and the problem, never a crash, and no output (nor temporary) file left
behind. Each case starts from a valid small GPT-2 checkpoint made by transformers and breaks one
thing; broken safetensors files are written by hand with struct + json."""
import json
import os
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest

from bad_input import assert_bad_input
from checkpoints import make_gpt2
from conftest import BIN, CORPORA, run_lq

N_CTX = 32  # small context so that "line longer than the context" is easy to build


# --------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(scope="module")
def base_model(tmp_path_factory):
    d = tmp_path_factory.mktemp("base") / "gpt2"
    make_gpt2(d, n_layer=1, n_embd=32, n_head=2, n_positions=N_CTX)
    return d


@pytest.fixture(scope="module")
def base_sharded(tmp_path_factory):
    d = tmp_path_factory.mktemp("base_sharded") / "gpt2"
    make_gpt2(d, n_layer=1, n_embd=32, n_head=2, n_positions=N_CTX, max_shard_size="1MB")
    assert (d / "model.safetensors.index.json").exists()
    return d


@pytest.fixture
def model(base_model, tmp_path):
    """A private copy of the valid checkpoint, to break."""
    d = tmp_path / "model"
    shutil.copytree(base_model, d)
    return d


@pytest.fixture
def sharded(base_sharded, tmp_path):
    d = tmp_path / "sharded"
    shutil.copytree(base_sharded, d)
    return d


@pytest.fixture
def corpus(tmp_path):
    """A valid two-language corpus folder."""
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "en.txt").write_text("The cat sat on the mat.\nA second sentence.\n", encoding="utf-8")
    (d / "de.txt").write_text("Die Katze sitzt.\nNoch ein Satz.\n", encoding="utf-8")
    return d


@pytest.fixture
def text(tmp_path):
    p = tmp_path / "text.txt"
    p.write_text("Hello world.\nA second line.\n", encoding="utf-8")
    return p


def read_st(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def write_st(path, header, data):
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + data)


def edit_config(model_dir, **changes):
    p = model_dir / "config.json"
    cfg = json.loads(p.read_text())
    for k, v in changes.items():
        if v is _DELETE:
            del cfg[k]
        else:
            cfg[k] = v
    p.write_text(json.dumps(cfg))


_DELETE = object()


def leftovers(folder, stem):
    """Output files (or their temporaries) named after `stem` in `folder`."""
    return sorted(p.name for p in Path(folder).iterdir() if p.name.startswith(stem))


def inspect(model_dir):
    return run_lq("inspect", model_dir, check=False)


def score(model_dir, text_file, out):
    return run_lq("score", "-m", model_dir, "-f", text_file, "-o", out, "--quiet", "--threads", "1", check=False)


def evaluate(model_dir, corpus_path, out, *extra):
    return run_lq("eval", "-m", model_dir, "-c", corpus_path, "-o", out, "--bootstrap", "10", "--quiet",
                  "--threads", "1", *extra, check=False)


# --------------------------------------------------------------------------------------------
# The valid starting points work (otherwise every case below would prove nothing).


def test_valid_checkpoint_scores(model, text, tmp_path):
    out = tmp_path / "out.jsonl"
    proc = score(model, text, out)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and leftovers(tmp_path, "out.jsonl") == ["out.jsonl"]


def test_valid_sharded_checkpoint_loads(sharded):
    proc = inspect(sharded)
    assert proc.returncode == 0, proc.stderr


def test_valid_corpus_evaluates(model, corpus, tmp_path):
    out = tmp_path / "res.json"
    proc = evaluate(model, corpus, out)
    assert proc.returncode == 0, proc.stderr
    assert leftovers(tmp_path, "res.") == ["res.json", "res.md"]


# --------------------------------------------------------------------------------------------
# Paths


def test_nonexistent_model_folder(tmp_path):
    missing = tmp_path / "no_such_model"
    assert_bad_input(inspect(missing), missing, "no such checkpoint folder")


def test_model_path_is_a_file(model):
    f = model / "config.json"
    assert_bad_input(inspect(f), f, "not a folder")


def test_score_nonexistent_text_file(model, tmp_path):
    missing, out = tmp_path / "missing.txt", tmp_path / "out.jsonl"
    assert_bad_input(score(model, missing, out), missing, "no such file")
    assert leftovers(tmp_path, "out.jsonl") == []


def test_score_text_file_is_a_folder(model, tmp_path):
    out = tmp_path / "out.jsonl"
    assert_bad_input(score(model, tmp_path, out), tmp_path, "is a directory")
    assert leftovers(tmp_path, "out.jsonl") == []


def test_score_out_into_missing_folder(model, text, tmp_path):
    out = tmp_path / "no_such_dir" / "out.jsonl"
    assert_bad_input(score(model, text, out), out, "cannot write")
    assert not out.parent.exists()


def test_eval_out_into_missing_folder(model, corpus, tmp_path):
    out = tmp_path / "no_such_dir" / "res.json"
    assert_bad_input(evaluate(model, corpus, out), out, "cannot write")
    assert not out.parent.exists()


def test_eval_md_into_missing_folder_writes_nothing(model, corpus, tmp_path):
    """--out is writable but --md is not: neither file appears (outputs are all or nothing)."""
    out, md = tmp_path / "res.json", tmp_path / "no_such_dir" / "res.md"
    assert_bad_input(evaluate(model, corpus, out, "--md", md), md, "cannot write")
    assert leftovers(tmp_path, "res.") == []


def test_score_out_is_a_folder(model, text, tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    assert_bad_input(score(model, text, out), out, "is a folder")
    assert list(out.iterdir()) == [] and leftovers(tmp_path, "results.") == []


def test_eval_md_same_as_out(model, corpus, tmp_path):
    out = tmp_path / "res.json"
    assert_bad_input(evaluate(model, corpus, out, "--md", out), out, "must be different files")
    assert leftovers(tmp_path, "res.") == []


def test_path_with_newline_stays_one_line(tmp_path):
    missing = tmp_path / "two\nlines"
    proc = inspect(missing)
    assert_bad_input(proc, "lines", "no such checkpoint folder")


def test_tokenize_nonexistent_model(tmp_path):
    missing = tmp_path / "nothing_here"
    proc = run_lq("tokenize", "-m", missing, "--text", "hi", check=False)
    assert_bad_input(proc, missing, "no such file or folder")


# --------------------------------------------------------------------------------------------
# config.json


def test_missing_config(model):
    (model / "config.json").unlink()
    assert_bad_input(inspect(model), "config.json", "missing")


def test_config_not_json(model):
    (model / "config.json").write_text('{"model_type": "gpt2", ')
    assert_bad_input(inspect(model), "config.json", "not valid JSON")


def test_config_not_an_object(model):
    (model / "config.json").write_text('["gpt2"]')
    assert_bad_input(inspect(model), "config.json", "not a JSON object")


def test_config_missing_required_key(model):
    edit_config(model, n_embd=_DELETE)
    assert_bad_input(inspect(model), "config.json", "missing required key 'n_embd'")


def test_config_wrong_type(model):
    edit_config(model, n_head="two")
    assert_bad_input(inspect(model), "config.json", "'n_head' must be an integer")


def test_config_missing_model_type(model):
    edit_config(model, model_type=_DELETE)
    assert_bad_input(inspect(model), "config.json", "missing required key 'model_type'")


def test_config_unknown_architecture(model):
    edit_config(model, model_type="mamba9000")
    assert_bad_input(inspect(model), "config.json", "unknown architecture model_type 'mamba9000'")


def test_config_heads_do_not_divide_width(model):
    edit_config(model, n_head=3)
    assert_bad_input(inspect(model), "config.json", "n_embd must be a multiple of n_head")


def test_config_more_layers_than_checkpoint(model):
    edit_config(model, n_layer=2)
    assert_bad_input(inspect(model), model, "checkpoint lacks tensor 'transformer.h.1.")


# config.json and the tensors disagree: every stored shape is checked against the shape the
# config implies, sizes must be positive, and the activation is checked at load.
@pytest.mark.parametrize("changes, key", [
    pytest.param({"n_embd": 64, "n_head": 2}, "but config.json implies", id="n_embd-wider-than-tensors"),
    pytest.param({"n_embd": 0}, "'n_embd' must be positive", id="n_embd-zero"),
    pytest.param({"n_inner": 256}, "but config.json implies", id="n_inner-wider-than-tensors"),
    pytest.param({"vocab_size": 60000}, "but config.json implies", id="vocab-larger-than-embedding"),
    pytest.param({"n_positions": 4096}, "but config.json implies", id="n_positions-beyond-wpe"),
    pytest.param({"n_layer": 0}, "'n_layer' must be positive", id="n_layer-zero"),
    pytest.param({"activation_function": "swish9"}, "unsupported activation_function 'swish9'",
                 id="unknown-activation"),
])
def test_config_disagrees_with_tensors(model, text, tmp_path, changes, key):
    edit_config(model, **changes)
    out = tmp_path / "out.jsonl"
    assert_bad_input(score(model, text, out), ["config.json", "model.safetensors"], key)
    assert leftovers(tmp_path, "out.jsonl") == []


# --------------------------------------------------------------------------------------------
# model.safetensors


def test_missing_safetensors(model):
    (model / "model.safetensors").unlink()
    assert_bad_input(inspect(model), model, "no model.safetensors")


def test_safetensors_is_a_folder(model):
    st = model / "model.safetensors"
    st.unlink()
    st.mkdir()
    assert_bad_input(inspect(model), "model.safetensors", "not a regular file")


def test_safetensors_shorter_than_length_prefix(model):
    (model / "model.safetensors").write_bytes(b"\x10\x00\x00")
    assert_bad_input(inspect(model), "model.safetensors", "truncated")


def test_safetensors_empty(model):
    (model / "model.safetensors").write_bytes(b"")
    assert_bad_input(inspect(model), "model.safetensors", "truncated")


def test_safetensors_header_length_too_large(model):
    st = model / "model.safetensors"
    raw = st.read_bytes()
    st.write_bytes(struct.pack("<Q", 200 << 20) + raw[8:])
    assert_bad_input(inspect(model), "model.safetensors", "exceeds the 100 MiB limit")


def test_safetensors_header_beyond_end(model):
    """A download cut inside the JSON header."""
    st = model / "model.safetensors"
    raw = st.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    st.write_bytes(raw[:8 + n // 2])
    assert_bad_input(inspect(model), "model.safetensors", "truncated: header claims")


def test_safetensors_header_not_json(model):
    st = model / "model.safetensors"
    _, data = read_st(st)
    write_st(st, b'{"transformer.wte.weight": {"dtype": "F32",', data)
    assert_bad_input(inspect(model), "model.safetensors", "header is not valid JSON")


def test_safetensors_header_is_an_array(model):
    st = model / "model.safetensors"
    _, data = read_st(st)
    write_st(st, [1, 2, 3], data)
    assert_bad_input(inspect(model), "model.safetensors", "header is not a JSON object")


@pytest.mark.parametrize("dtype", ["F8_E4M3", "XYZ"])
def test_safetensors_unknown_dtype(model, dtype):
    st = model / "model.safetensors"
    header, data = read_st(st)
    header["transformer.ln_f.weight"]["dtype"] = dtype
    write_st(st, header, data)
    assert_bad_input(inspect(model), "model.safetensors", f"unknown dtype '{dtype}'")


def test_safetensors_integer_weights(model):
    """I32 is a valid safetensors dtype (same size as F32) but not a weight type."""
    st = model / "model.safetensors"
    header, data = read_st(st)
    header["transformer.ln_f.weight"]["dtype"] = "I32"
    write_st(st, header, data)
    assert_bad_input(inspect(model), model, "weights must be F32, F16 or BF16")


def test_safetensors_shape_lies_about_size(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    header["transformer.ln_f.weight"]["shape"] = [33]
    write_st(st, header, data)
    line = assert_bad_input(inspect(model), "model.safetensors", "transformer.ln_f.weight")
    assert "needs 132" in line


def test_safetensors_negative_dimension(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    header["transformer.ln_f.weight"]["shape"] = [-32]
    write_st(st, header, data)
    assert_bad_input(inspect(model), "model.safetensors", "negative dimension")


def test_safetensors_missing_dtype_field(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    del header["transformer.ln_f.bias"]["dtype"]
    write_st(st, header, data)
    assert_bad_input(inspect(model), "model.safetensors", "'dtype'")


def test_safetensors_data_truncated(model):
    """A download cut inside the data: the last tensor ends past the end of the file."""
    st = model / "model.safetensors"
    raw = st.read_bytes()
    st.write_bytes(raw[:-100])
    assert_bad_input(inspect(model), "model.safetensors", "truncated file")


def test_safetensors_offsets_beyond_end(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    b, e = header["transformer.ln_f.bias"]["data_offsets"]
    header["transformer.ln_f.bias"]["data_offsets"] = [len(data) + 16, len(data) + 16 + (e - b)]
    write_st(st, header, data)
    assert_bad_input(inspect(model), "model.safetensors", "but the data section has")


def test_safetensors_offsets_reversed(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    b, e = header["transformer.ln_f.bias"]["data_offsets"]
    header["transformer.ln_f.bias"]["data_offsets"] = [e, b]
    write_st(st, header, data)
    assert_bad_input(inspect(model), "model.safetensors", "begin > end")


def test_safetensors_overlapping_tensors(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    header["transformer.ln_f.bias"]["data_offsets"] = list(header["transformer.ln_f.weight"]["data_offsets"])
    write_st(st, header, data)
    assert_bad_input(inspect(model), "model.safetensors", "overlap")


def test_safetensors_bad_metadata(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    header["__metadata__"] = {"format": 3}
    write_st(st, header, data)
    assert_bad_input(inspect(model), "model.safetensors", "__metadata__")


def test_safetensors_missing_required_tensor(model):
    st = model / "model.safetensors"
    header, data = read_st(st)
    del header["transformer.h.0.attn.c_proj.weight"]
    write_st(st, header, data)
    assert_bad_input(inspect(model), model, "checkpoint lacks tensor 'transformer.h.0.attn.c_proj.weight'")


# --------------------------------------------------------------------------------------------
# Sharded checkpoints (model.safetensors.index.json)


def _index(d):
    return json.loads((d / "model.safetensors.index.json").read_text())


def test_index_points_at_missing_shard(sharded):
    shard = sorted(set(_index(sharded)["weight_map"].values()))[-1]
    (sharded / shard).unlink()
    assert_bad_input(inspect(sharded), shard, "cannot open")


def test_index_lists_tensor_absent_from_shard(sharded):
    idx = _index(sharded)
    shard = idx["weight_map"]["transformer.ln_f.weight"]
    idx["weight_map"]["transformer.h.7.mlp.c_fc.weight"] = shard
    (sharded / "model.safetensors.index.json").write_text(json.dumps(idx))
    assert_bad_input(inspect(sharded), shard, "'transformer.h.7.mlp.c_fc.weight' listed in the index is missing")


def test_index_not_json(sharded):
    (sharded / "model.safetensors.index.json").write_text("{ weight_map: ")
    assert_bad_input(inspect(sharded), "model.safetensors.index.json", "not valid JSON")


def test_index_without_weight_map(sharded):
    (sharded / "model.safetensors.index.json").write_text('{"metadata": {}}')
    assert_bad_input(inspect(sharded), "model.safetensors.index.json", "missing 'weight_map'")


def test_index_shard_name_escapes_folder(sharded):
    idx = _index(sharded)
    idx["weight_map"]["transformer.ln_f.weight"] = "../elsewhere.safetensors"
    (sharded / "model.safetensors.index.json").write_text(json.dumps(idx))
    assert_bad_input(inspect(sharded), "model.safetensors.index.json", "must not contain '/'")


# --------------------------------------------------------------------------------------------
# tokenizer.json


def test_tokenizer_missing(model, text, tmp_path):
    (model / "tokenizer.json").unlink()
    out = tmp_path / "out.jsonl"
    assert_bad_input(score(model, text, out), "tokenizer.json", "missing")
    assert leftovers(tmp_path, "out.jsonl") == []


def test_tokenizer_not_json(model):
    (model / "tokenizer.json").write_text('{"version": "1.0", "model": {')
    proc = run_lq("tokenize", "-m", model, "--text", "hello", check=False)
    assert_bad_input(proc, "tokenizer.json", "not valid JSON")


def test_tokenizer_unsupported_model_type(model, text, tmp_path):
    tj = json.loads((model / "tokenizer.json").read_text())
    tj["model"]["type"] = "Foo"
    (model / "tokenizer.json").write_text(json.dumps(tj))
    out = tmp_path / "out.jsonl"
    assert_bad_input(score(model, text, out), "tokenizer.json", "unsupported model type 'Foo'")
    assert leftovers(tmp_path, "out.jsonl") == []


def test_tokenizer_unsupported_pre_tokenizer(model):
    tj = json.loads((model / "tokenizer.json").read_text())
    tj["pre_tokenizer"] = {"type": "Whatever"}
    (model / "tokenizer.json").write_text(json.dumps(tj))
    proc = run_lq("tokenize", "-m", model, "--text", "hello", check=False)
    assert_bad_input(proc, "tokenizer.json", "unsupported pre_tokenizer type 'Whatever'")


# --------------------------------------------------------------------------------------------
# Text files and corpora


def test_score_empty_text_file(model, tmp_path):
    empty, out = tmp_path / "empty.txt", tmp_path / "out.jsonl"
    empty.write_bytes(b"")
    assert_bad_input(score(model, empty, out), empty, "empty")
    assert leftovers(tmp_path, "out.jsonl") == []


def test_score_line_longer_than_context(model, tmp_path):
    f, out = tmp_path / "long.txt", tmp_path / "out.jsonl"
    f.write_text("short line\n" + " ".join(["word"] * (2 * N_CTX)) + "\n", encoding="utf-8")
    line = assert_bad_input(score(model, f, out), f, "line 2 has")
    assert f"context of {N_CTX}" in line
    assert leftovers(tmp_path, "out.jsonl") == []


def test_corpus_nonexistent(model, tmp_path):
    missing, out = tmp_path / "no_corpus", tmp_path / "res.json"
    assert_bad_input(evaluate(model, missing, out), missing, "no such corpus")
    assert leftovers(tmp_path, "res.") == []


def test_corpus_folder_without_language_files(model, tmp_path):
    d, out = tmp_path / "c", tmp_path / "res.json"
    d.mkdir()
    (d / "README.md").write_text("nothing to see\n")
    assert_bad_input(evaluate(model, d, out), d, "no language files")
    assert leftovers(tmp_path, "res.") == []


def test_corpus_empty_language_file(model, corpus, tmp_path):
    (corpus / "fr.txt").write_bytes(b"")
    out = tmp_path / "res.json"
    assert_bad_input(evaluate(model, corpus, out), corpus / "fr.txt", "no sentences")
    assert leftovers(tmp_path, "res.") == []


def test_corpus_blank_language_file(model, corpus, tmp_path):
    (corpus / "fr.txt").write_text("\n  \n\t\n")
    out = tmp_path / "res.json"
    assert_bad_input(evaluate(model, corpus, out), corpus / "fr.txt", "no sentences")


def test_corpus_invalid_utf8(model, corpus, tmp_path):
    (corpus / "fr.txt").write_bytes("Bonjour.\nÇa va.\n".encode() + b"caf\xe9 cr\xe8me\n")
    out = tmp_path / "res.json"
    line = assert_bad_input(evaluate(model, corpus, out), corpus / "fr.txt", "invalid UTF-8")
    assert "line 3" in line
    assert leftovers(tmp_path, "res.") == []


def test_corpus_unreadable_file(model, corpus, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    f = corpus / "fr.txt"
    f.write_text("Bonjour.\n")
    f.chmod(0)
    try:
        out = tmp_path / "res.json"
        assert_bad_input(evaluate(model, corpus, out), f, "cannot open")
    finally:
        f.chmod(0o644)


def test_corpus_not_a_file_or_folder(model, tmp_path):
    out = tmp_path / "res.json"
    assert_bad_input(evaluate(model, "/dev/null", out), "/dev/null", "not a regular file or folder")
    assert leftovers(tmp_path, "res.") == []


def test_corpus_conllu_without_text_lines(model, tmp_path):
    f, out = tmp_path / "en_ewt-ud-test.conllu", tmp_path / "res.json"
    f.write_text("# sent_id = 1\n1\tHello\thello\tINTJ\t_\t_\t0\troot\t_\t_\n\n")
    assert_bad_input(evaluate(model, f, out), f, "no '# text = ' lines")
    assert leftovers(tmp_path, "res.") == []


def test_eval_langs_not_in_corpus(model, corpus, tmp_path):
    out = tmp_path / "res.json"
    assert_bad_input(evaluate(model, corpus, out, "--langs", "en,xx"), corpus, "has no language 'xx'")
    assert leftovers(tmp_path, "res.") == []


def test_eval_group_names_missing_language(model, corpus, tmp_path):
    out = tmp_path / "res.json"
    assert_bad_input(evaluate(model, corpus, out, "--group", "latin=en,fr"), corpus, "language 'fr'")
    assert leftovers(tmp_path, "res.") == []


def test_real_corpus_file_with_bad_model_keeps_one_line(tmp_path):
    """The error is about the model even though the corpus is fine (errors come in pipeline order)."""
    out = tmp_path / "res.json"
    missing = tmp_path / "gone"
    assert_bad_input(evaluate(missing, CORPORA / "ud-pud" / "en.txt", out), missing, "no such checkpoint folder")


# --------------------------------------------------------------------------------------------
# Issue 13 (an outside tester's findings): crafted config values, numbers too large for a
# double, two writers on one sweep store, damaged stores, full disks, unwritable outputs.

LLAMA_CONFIG = dict(model_type="llama", hidden_size=32, num_attention_heads=2, num_hidden_layers=1,
                    vocab_size=50257, max_position_embeddings=N_CTX, intermediate_size=64)
NEOX_CONFIG = dict(LLAMA_CONFIG, model_type="gpt_neox")
BLOOM_CONFIG = dict(model_type="bloom", hidden_size=32, n_head=2, n_layer=1, vocab_size=50257)


def write_config(model_dir, cfg):
    (model_dir / "config.json").write_text(json.dumps(cfg))


# Each value used to reach undefined behaviour (signed overflow of 4 * n_embd, a double cast to
# an integer it does not fit) or an out-of-memory kill; now one line naming config.json.
@pytest.mark.parametrize("cfg, phrase", [
    pytest.param({"n_embd": 2**62, "n_head": 2}, "'n_embd' is 4611686018427387904, more than", id="gpt2-4n_embd-overflow"),
    pytest.param({"n_embd": 2**25, "n_head": 2}, "'n_embd' is 33554432, more than the 16777216", id="gpt2-n_embd-2^25"),
    pytest.param({"n_layer": 100000}, "'n_layer' is 100000, more than the 10000", id="gpt2-n_layer-100000"),
    pytest.param({"vocab_size": 2**40}, "'vocab_size' is 1099511627776, more than", id="gpt2-vocab-2^40"),
    pytest.param({"n_positions": -5}, "'n_positions' must be positive", id="gpt2-negative-positions"),
    pytest.param({"bos_token_id": 2**40}, "'bos_token_id' must be a token id", id="gpt2-bos-beyond-int32"),
    pytest.param({"layer_norm_epsilon": 1e300}, "'layer_norm_epsilon' must be between 0 and 1", id="gpt2-epsilon-1e300"),
    pytest.param(dict(BLOOM_CONFIG, hidden_size=2**62), "'hidden_size' is 4611686018427387904, more than",
                 id="bloom-4n_embd-overflow"),
    pytest.param(dict(NEOX_CONFIG, rotary_pct=1e300), "'rotary_pct' must be between 0 and 1", id="neox-rotary_pct-1e300"),
    pytest.param(dict(NEOX_CONFIG, rotary_pct=-0.5), "'rotary_pct' must be between 0 and 1", id="neox-rotary_pct-negative"),
    pytest.param(dict(LLAMA_CONFIG, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                  "high_freq_factor": 4.0, "original_max_position_embeddings": 1e300}),
                 "'original_max_position_embeddings' must be in 1..16777216", id="llama3-original-ctx-1e300"),
    pytest.param(dict(LLAMA_CONFIG, rope_scaling={"type": "dynamic", "factor": 1e300}),
                 "dynamic rope_scaling factor times max_position_embeddings", id="dynamic-rope-factor-1e300"),
    pytest.param(dict(LLAMA_CONFIG, rope_scaling={"type": 3, "factor": 2.0}), "rope_scaling 'type' must be a string",
                 id="rope_scaling-type-numeric"),
    pytest.param(dict(LLAMA_CONFIG, head_dim=2**40), "'head_dim' is larger than 16777216", id="llama-head_dim-2^40"),
    pytest.param(dict(LLAMA_CONFIG, num_key_value_heads=2**40), "'num_key_value_heads' is 1099511627776, more than",
                 id="llama-kv-heads-2^40"),
    pytest.param(dict(LLAMA_CONFIG, rope_theta=-1.0), "rope base (rope_theta) must be finite and positive",
                 id="llama-negative-rope-theta"),
])
def test_config_values_out_of_range(model, cfg, phrase):
    if "model_type" in cfg:
        write_config(model, cfg)
    else:
        edit_config(model, **cfg)
    start = time.monotonic()
    assert_bad_input(inspect(model), "config.json", phrase)
    assert time.monotonic() - start < 10, "a crafted config must be refused at once"


def test_config_of_each_architecture_reaches_the_tensors(model):
    """The configs above are valid except for the one value: unchanged, each gets past
    config.json and fails only on the GPT-2 tensors it is paired with."""
    for cfg in (LLAMA_CONFIG, NEOX_CONFIG, BLOOM_CONFIG):
        write_config(model, cfg)
        line = assert_bad_input(inspect(model), model, "lacks tensor")
        assert "config.json" not in line


def test_tokenizer_number_too_large_for_a_double(model):
    tj = json.loads((model / "tokenizer.json").read_text())
    tj["model"]["dropout"] = 0.5
    text = json.dumps(tj).replace('"dropout": 0.5', '"dropout": 1e999')
    assert "1e999" in text
    (model / "tokenizer.json").write_text(text)
    proc = run_lq("tokenize", "-m", model, "--text", "hello", check=False)
    line = assert_bad_input(proc, "tokenizer.json", "number overflow parsing '1e999'")
    assert "[json.exception" not in line


def test_tokenizer_field_of_the_wrong_type(model):
    """A mistyped field no builder checks by hand is still reported against tokenizer.json."""
    tj = json.loads((model / "tokenizer.json").read_text())
    tj["model"]["vocab"] = {"a": "zero"}
    (model / "tokenizer.json").write_text(json.dumps(tj))
    proc = run_lq("tokenize", "-m", model, "--text", "hello", check=False)
    line = assert_bad_input(proc, "tokenizer.json", "")
    assert "[json.exception" not in line


def test_plan_file_number_too_large_for_a_double(model, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text('{"base": "int4", "rules": [{"format": "fp16", "top": 1e999}]}')
    proc = run_lq("plan", "show", plan, "--model", model, check=False)
    line = assert_bad_input(proc, plan, "number overflow parsing '1e999'")
    assert "[json.exception" not in line


def test_experiment_file_number_too_large_for_a_double(model, corpus, tmp_path):
    exp = tmp_path / "exp.json"
    exp.write_text('{"name": "x", "axis": [{"type": "threshold", "percent": [1e999]}]}')
    proc = run_lq("sweep", "--model", model, "--corpus", corpus, "--experiment", exp, "--dry-run", check=False)
    line = assert_bad_input(proc, exp, "number overflow parsing '1e999'")
    assert "[json.exception" not in line


def test_plan_rule_name_with_semicolon_round_trips(model, tmp_path):
    """plan_to_line quotes a value holding ';' so that the printed line parses back."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"base": "int4", "rules": [{"format": "fp16", "name": ["output_norm.*", "x;y"]}]}))
    line = json.loads(run_lq("plan", "show", plan, "--model", model, "--json").stdout)["plan"]["line"]
    assert line == 'base=int4; keep fp16 name="output_norm.*,x;y"'
    again = run_lq("plan", "show", line, "--model", model, "--json", check=False)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["plan"]["line"] == line


# Sweep stores --------------------------------------------------------------------------------


def sweep(model, corpus, db, out, *extra):
    return run_lq("sweep", "--model", model, "--corpus", corpus, "--db", db, "--out", out, "--plan", "base=int8",
                  "--bootstrap", "10", "--quiet", "--threads", "1", *extra, check=False)


def test_sweep_refuses_a_second_writer(model, corpus, tmp_path):
    """A running sweep holds a lock on its store: a second one stops at once with a clear line,
    and the store is unchanged; once the first is gone the store resumes normally."""
    import fcntl
    db, out = tmp_path / "s.sqlite", tmp_path / "s.json"
    assert sweep(model, corpus, db, tmp_path / "first.json").returncode == 0
    before = db.read_bytes()
    with open(db, "rb") as held:  # stands in for a running sweep: same lock
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert_bad_input(sweep(model, corpus, db, out), db, "another sweep is writing this database")
    assert db.read_bytes() == before
    assert leftovers(tmp_path, "s.json") == []
    assert sweep(model, corpus, db, out).returncode == 0
    assert out.read_bytes() == (tmp_path / "first.json").read_bytes()


def test_two_sweeps_started_together(model, corpus, tmp_path):
    """Both start on a new store: one finishes, the other (if they overlapped) gets the lock
    message, never SQLite's 'UNIQUE constraint failed'; the store is whole."""
    db = tmp_path / "t.sqlite"
    args = lambda out: [BIN, "sweep", "--model", model, "--corpus", corpus, "--db", db, "--out", out, "--plan", "base=int8",
                        "--bootstrap", "10", "--quiet", "--threads", "1"]
    procs = [subprocess.Popen(list(map(str, args(tmp_path / f"t{i}.json"))), stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert any(rc == 0 for rc, _ in results), results
    for rc, err in results:
        assert "UNIQUE" not in err and "constraint" not in err, err
        if rc != 0:
            assert rc == 1 and "another sweep is writing this database" in err, err
    ok = run_lq("sweep", "--db", db, "--out", tmp_path / "again.json", "--bootstrap", "10")
    assert ok.returncode == 0


def test_sweep_store_truncated(model, corpus, tmp_path):
    db, out = tmp_path / "tr.sqlite", tmp_path / "tr.json"
    assert sweep(model, corpus, db, out).returncode == 0
    raw = db.read_bytes()
    assert len(raw) >= 3 * 4096, len(raw)
    db.write_bytes(raw[:len(raw) // 2])
    out2 = tmp_path / "tr2.json"
    line = assert_bad_input(sweep(model, corpus, db, out2), db, "damaged sweep database")
    assert "delete it" in line
    assert leftovers(tmp_path, "tr2.") == []


def test_sweep_out_unwritable_fails_before_the_sweep(model, corpus, tmp_path):
    """--out in a folder that cannot be written is refused before anything runs: no store."""
    db, out = tmp_path / "u.sqlite", tmp_path / "no_such_dir" / "u.json"
    assert_bad_input(sweep(model, corpus, db, out), out, "cannot write")
    assert not db.exists()


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs: a real full disk. Needs root and a kernel that lets this process mount."""
    d = tmp_path / "tmpfs"
    d.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(d)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({proc.stderr.strip() or 'mount failed'})")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=False)


def fill(folder, leave=0):
    """Fills the file system of `folder` up to `leave` free bytes; returns the filler file."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 1024)
        except OSError:
            pass
    if leave:
        with open(filler, "r+b") as f:
            f.truncate(max(0, filler.stat().st_size - leave))
    return filler


def test_sweep_on_a_full_disk_leaves_no_database(model, corpus, small_tmpfs, tmp_path):
    fill(small_tmpfs)
    db, out = small_tmpfs / "full.sqlite", tmp_path / "full.json"
    proc = sweep(model, corpus, db, out)
    assert_bad_input(proc, db, "full")
    assert not db.exists() and not (small_tmpfs / "full.sqlite-journal").exists()
    assert leftovers(tmp_path, "full.") == []


def test_sweep_store_fills_the_disk_midway_then_resumes(model, corpus, small_tmpfs, tmp_path):
    """The disk fills during the sweep: one line saying so, the store keeps what was
    committed, and once space is back the same command resumes to the uninterrupted result."""
    ref_db, ref_out = tmp_path / "ref.sqlite", tmp_path / "ref.json"
    extra = ["--batch", "1", "--plan", "base=int4", "--plan", "base=int2"]
    assert sweep(model, corpus, ref_db, ref_out, *extra).returncode == 0
    need = ref_db.stat().st_size
    filler = fill(small_tmpfs, leave=max(4096, need // 2))
    db, out = small_tmpfs / "mid.sqlite", tmp_path / "mid.json"
    proc = sweep(model, corpus, db, out, *extra)
    if proc.returncode == 0:
        pytest.skip(f"the store fitted in the space left ({need} bytes needed)")
    assert_bad_input(proc, db, "full")
    assert leftovers(tmp_path, "mid.") == []
    filler.unlink()
    assert sweep(model, corpus, db, out, *extra).returncode == 0
    assert out.read_bytes() == ref_out.read_bytes()


def test_plan_apply_on_a_full_disk_leaves_no_folder(model, small_tmpfs):
    out = small_tmpfs / "sim"
    proc = run_lq("plan", "apply", "base=int8", "--model", model, "--out", out, check=False)
    assert_bad_input(proc, "model.safetensors", "disk full")
    assert list(small_tmpfs.iterdir()) == [], list(small_tmpfs.iterdir())
