"""The bad-input catalogue, GGUF part: malformed GGUF files (built byte by byte, so any field can
lie) are answered by exit code 1 and one stderr line naming the file and the problem, never a
crash, a hang or a huge allocation. Each case starts from a valid tiny llama GGUF and breaks one
thing; the valid file itself is checked to load, tokenize and score first."""
import struct

import numpy as np
import pytest

from conftest import run_lq
from gguf_raw import ARRAY, F32, GGML_Q4_0, I32, STRING, U32, U64, tiny_llama
from bad_input import assert_bad_input


def inspect(path):
    return run_lq("inspect", path, check=False)


def test_valid_tiny_gguf_works(tmp_path):
    path = tiny_llama().write(tmp_path / "ok.gguf")
    assert inspect(path).returncode == 0, inspect(path).stderr
    text = tmp_path / "t.txt"
    text.write_text("the cat\nthe\n", encoding="utf-8")
    run_lq("score", "-m", path, "-f", text, "-o", tmp_path / "s.jsonl", "--quiet", "--threads", "1")
    assert run_lq("tokenize", "--model", path, "--text", "the the").stdout.strip()


def drop_kv(g, key):
    g.kv = [kv for kv in g.kv if kv[0] != key]


def set_kv(g, key, vtype, value):
    drop_kv(g, key)
    g.add(key, vtype, value)


def tensor(g, name):
    return next(t for t in g.tensors if t["name"] == name)


def truncate(n):
    return lambda g: g.to_bytes()[:n]


# Each case: (id, mutation of the RawGguf returning None, or the final bytes; words one of which the
# error line must contain).
CASES = [
    ("empty-file", lambda g: b"", ["GGUF", "empty", "truncated"]),
    ("bad-magic", lambda g: setattr(g, "magic", b"GGML"), ["magic", "not a GGUF"]),
    ("version-1", lambda g: setattr(g, "version", 1), ["version"]),
    ("version-99", lambda g: setattr(g, "version", 99), ["version"]),
    ("truncated-header", truncate(13), ["truncated", "header"]),
    ("truncated-in-kv", truncate(60), ["truncated"]),
    ("lying-tensor-count", lambda g: setattr(g, "tensor_count", 2**40), ["tensor count", "tensor_count", "tensors"]),
    ("lying-kv-count", lambda g: setattr(g, "kv_count", 2**40), ["kv", "key"]),
    ("huge-string-length", lambda g: g.to_bytes()[:24] + struct.pack("<Q", 2**62) + g.to_bytes()[32:],
     ["string", "length"]),
    ("huge-array-length", lambda g: set_kv(g, "tokenizer.ggml.merges", ARRAY, (STRING, [])) or
     g.to_bytes().replace(struct.pack("<IQ", STRING, 0), struct.pack("<IQ", STRING, 2**60), 1), ["array"]),
    ("unknown-value-type", lambda g: g.to_bytes().replace(
        b"general.alignment" + struct.pack("<I", U32), b"general.alignment" + struct.pack("<I", 77), 1),
     ["type"]),
    ("tensor-past-end", lambda g: tensor(g, "blk.0.ffn_down.weight").update(offset=2**20, phantom=True), ["past", "outside", "end"]),
    ("misaligned-tensor", lambda g: tensor(g, "blk.0.ffn_down.weight").update(offset=
                                                                               4 + sum(len(t["data"]) for t in g.tensors[:-1])),
     ["align"]),
    ("unknown-ggml-type", lambda g: tensor(g, "blk.0.ffn_up.weight").update(type=99), ["type"]),
    ("unsupported-ggml-type", lambda g: tensor(g, "blk.0.ffn_up.weight").update(type=16), ["IQ2_XXS"]),
    ("block-not-divisible", lambda g: tensor(g, "output_norm.weight").update(type=GGML_Q4_0, data=b"\0" * 18),
     ["block", "multiple", "divisible"]),
    ("overlapping-tensors", lambda g: tensor(g, "blk.0.ffn_down.weight").update(offset=0), ["overlap"]),
    ("duplicate-tensor-names", lambda g: tensor(g, "blk.0.ffn_up.weight").update(name="blk.0.ffn_gate.weight"),
     ["duplicate"]),
    ("duplicate-keys", lambda g: g.add("llama.block_count", U32, 1), ["duplicate"]),
    ("too-many-dims", lambda g: tensor(g, "output_norm.weight").update(n_dims=9, ne=[8] + [1] * 8), ["dim"]),
    ("zero-dims", lambda g: tensor(g, "output_norm.weight").update(n_dims=0, ne=[]), ["dim"]),
    ("alignment-not-power-of-two", lambda g: set_kv(g, "general.alignment", U32, 48), ["alignment"]),
    ("truncated-tensor-data", lambda g: g.to_bytes()[:-100], ["truncated", "past", "outside", "end"]),
    ("missing-architecture", lambda g: drop_kv(g, "general.architecture"), ["general.architecture"]),
    ("unsupported-architecture", lambda g: set_kv(g, "general.architecture", STRING, "mamba"), ["mamba"]),
    ("missing-block-count", lambda g: drop_kv(g, "llama.block_count"), ["llama.block_count"]),
    ("block-count-wrong-type", lambda g: set_kv(g, "llama.block_count", STRING, "one"), ["llama.block_count"]),
    ("missing-tensor", lambda g: g.tensors.remove(tensor(g, "blk.0.ffn_up.weight")), ["blk.0.ffn_up.weight"]),
    ("wrong-tensor-shape", lambda g: tensor(g, "blk.0.ffn_up.weight").update(ne=[8, 15], data=b"\0" * 480),
     ["blk.0.ffn_up.weight"]),
    ("huge-layer-count", lambda g: set_kv(g, "llama.block_count", U32, 100000), ["block", "layer", "lacks"]),
    ("negative-looking-size", lambda g: set_kv(g, "llama.embedding_length", U64, 2**63 + 5),
     ["embedding_length", "hidden_size", "fit", "range"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_gguf(tmp_path, case):
    name, mutate, words = case
    g = tiny_llama()
    out = mutate(g)
    path = tmp_path / f"{name}.gguf"
    path.write_bytes(out if isinstance(out, bytes) else g.to_bytes())
    proc = inspect(path)
    line = proc.stderr.strip()
    assert any(w.lower() in line.lower() for w in words), f"{name}: {line!r} lacks any of {words}"
    assert_bad_input(proc, path.name, "")


TOKENIZER_CASES = [
    ("unknown-tokenizer-model", lambda g: set_kv(g, "tokenizer.ggml.model", STRING, "rwkv"), ["rwkv"]),
    ("unknown-pre-tokenizer", lambda g: set_kv(g, "tokenizer.ggml.pre", STRING, "no-such-pre"), ["no-such-pre"]),
    ("token-type-length", lambda g: set_kv(g, "tokenizer.ggml.token_type", ARRAY, (I32, [1, 1])), ["token_type"]),
    ("bos-out-of-range", lambda g: set_kv(g, "tokenizer.ggml.bos_token_id", U32, 10**6), ["bos_token_id"]),
    ("tokens-not-strings", lambda g: set_kv(g, "tokenizer.ggml.tokens", ARRAY, (F32, [1.0, 2.0])),
     ["tokenizer.ggml.tokens"]),
]


@pytest.mark.parametrize("case", TOKENIZER_CASES, ids=[c[0] for c in TOKENIZER_CASES])
def test_bad_gguf_tokenizer(tmp_path, case):
    name, mutate, words = case
    g = tiny_llama()
    mutate(g)
    path = g.write(tmp_path / f"{name}.gguf")
    proc = run_lq("tokenize", "--model", path, "--text", "the cat", check=False)
    line = proc.stderr.strip()
    assert any(w.lower() in line.lower() for w in words), f"{name}: {line!r} lacks any of {words}"
    assert_bad_input(proc, path.name, "")
