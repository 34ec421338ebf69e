"""langquant's GGUF reader against gguf-py's GGUFReader (the reference implementation's own
Python package): every metadata key, its type and value, and every tensor's name, ggml type,
shape and bytes (CRC-32), on the two real models and on a split model written by gguf-py's
GGUFWriter (split_max_tensors) with every value type, nested arrays and alignment 64.

The C++ side is printed by tests/tools/lq_gguf_dump (path in LQ_GGUF_DUMP). The reference side
is decoded here from GGUFReader's raw field parts, which mirror the file byte for byte."""
import json
import os
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
import gguf
from gguf import GGUFValueType as VT

ROOT = Path(__file__).resolve().parents[2]
DUMP = os.environ.get("LQ_GGUF_DUMP", str(ROOT / "build/tests/tools/lq_gguf_dump"))


def model_file(request, fixture, env):
    """The conftest fixture when it exists, else the environment variable; skips when absent."""
    try:
        return Path(request.getfixturevalue(fixture))
    except pytest.FixtureLookupError:
        p = os.environ.get(env)
        if not p or not Path(p).is_file():
            pytest.skip(f"real model not available: set {env} to the .gguf file")
        return Path(p)


def lq_dump(path):
    proc = subprocess.run([DUMP, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, f"lq_gguf_dump {path} failed: {proc.stderr}"
    return json.loads(proc.stdout)


def decode(parts, i, vtype):
    """One value from GGUFReader's field parts starting at parts[i]: (python value, next i).
    Strings become bytes, scalars python numbers, arrays (element type, [items])."""
    if vtype == VT.STRING:
        return bytes(parts[i + 1]), i + 2
    if vtype == VT.ARRAY:
        itype, n = VT(int(parts[i][0])), int(parts[i + 1][0])
        i += 2
        items = []
        for _ in range(n):
            v, i = decode(parts, i, itype)
            items.append(v)
        return (itype, items), i
    return parts[i].tolist()[0], i + 1


def reference_metadata(reader):
    out = {}
    for key, field in reader.fields.items():
        if key.startswith("GGUF."):  # the header's counts, which GGUFReader lists as fields
            continue
        vtype = VT(int(field.parts[2][0]))
        value, end = decode(field.parts, 3, vtype)
        assert end == len(field.parts), key
        out[key] = (vtype, value)
    return out


def lq_value_matches(lq, vtype, ref):
    """lq: the dump's plain value; ref: decode()'s value of type vtype."""
    if vtype == VT.STRING:
        if isinstance(lq, dict):
            return bytes.fromhex(lq["hex"]) == ref
        return lq.encode("utf-8") == ref
    if vtype == VT.ARRAY:
        itype, items = ref
        return len(lq) == len(items) and all(
            lq_typed_matches(a, itype, b) if itype == VT.ARRAY else lq_value_matches(a, itype, b)
            for a, b in zip(lq, items))
    if vtype in (VT.FLOAT32, VT.FLOAT64):
        if isinstance(lq, str):
            return str(float(ref)) == {"nan": "nan", "inf": "inf", "-inf": "-inf"}[lq]
        return float(lq) == float(ref)
    if vtype == VT.BOOL:
        return lq is bool(ref)
    return lq == int(ref)


def lq_typed_matches(lq, vtype, ref):
    if lq["t"] != vtype.name:
        return False
    if vtype == VT.ARRAY and lq["e"] != ref[0].name:
        return False
    return lq_value_matches(lq["v"], vtype, ref)


def compare(gguf_paths, dumped):
    """gguf_paths: the shards in order (metadata from the first); dumped: lq_gguf_dump's JSON."""
    readers = [gguf.GGUFReader(p) for p in gguf_paths]
    first = readers[0]
    assert dumped["version"] == int(first.fields["GGUF.version"].parts[-1][0])
    assert dumped["alignment"] == first.alignment
    assert dumped["files"] == [str(p) for p in gguf_paths]

    ref = reference_metadata(first)
    lq = dumped["metadata"]
    assert sorted(lq) == sorted(ref)
    for key, (vtype, value) in ref.items():
        assert lq_typed_matches(lq[key], vtype, value), f"metadata {key}: {str(lq[key])[:300]}"

    ref_tensors = {}
    for r in readers:
        for t in r.tensors:
            assert t.name not in ref_tensors
            ref_tensors[t.name] = (r, t)
    lq_tensors = {t["name"]: t for t in dumped["tensors"]}
    assert sorted(lq_tensors) == sorted(ref_tensors)
    for name, (r, t) in ref_tensors.items():
        got = lq_tensors[name]
        assert got["type"] == t.tensor_type.name, name
        assert got["shape"] == [int(x) for x in reversed(t.shape)], name  # GGUF ne[] is innermost-first
        assert got["nbytes"] == int(t.n_bytes), name
        raw = r.data[t.data_offset:t.data_offset + t.n_bytes]
        assert got["crc32"] == zlib.crc32(memoryview(np.ascontiguousarray(raw))), name
    return ref, ref_tensors


def test_gemma3_matches_gguf_py(request):
    path = model_file(request, "gemma3_gguf", "LQ_GEMMA3_GGUF")
    ref, tensors = compare([path], lq_dump(path))
    assert len(ref["tokenizer.ggml.tokens"][1][1]) == 262144
    assert [int(x) for x in tensors["token_embd.weight"][1].shape] == [640, 262144]


def test_smollm2_matches_gguf_py(request):
    path = model_file(request, "smollm2_gguf", "LQ_SMOLLM2_GGUF")
    ref, tensors = compare([path], lq_dump(path))
    assert len(ref["tokenizer.ggml.merges"][1][1]) == 48900
    assert len(tensors) == 272


def write_split_model(out, rng):
    """A 3-shard model (2 tensors per shard) written by gguf-py, every value type in shard 1."""
    w = gguf.GGUFWriter(out / "tiny.gguf", "llama", split_max_tensors=2)
    w.add_custom_alignment(64)
    w.add_key_value("t.u8", 255, VT.UINT8)
    w.add_key_value("t.i8", -128, VT.INT8)
    w.add_key_value("t.u16", 65535, VT.UINT16)
    w.add_key_value("t.i16", -32768, VT.INT16)
    w.add_key_value("t.u32", 2**32 - 1, VT.UINT32)
    w.add_key_value("t.i32", -2**31, VT.INT32)
    w.add_key_value("t.u64", 2**64 - 1, VT.UINT64)
    w.add_key_value("t.i64", -2**63, VT.INT64)
    w.add_key_value("t.f32", 1e-6, VT.FLOAT32)
    w.add_key_value("t.f64", 3.141592653589793, VT.FLOAT64)
    w.add_key_value("t.bool", True, VT.BOOL)
    w.add_key_value("t.str", "Grüße, 世界 😀", VT.STRING)
    w.add_key_value("t.u8s", [1, 2, 200], VT.ARRAY, sub_type=VT.UINT8)
    w.add_array("t.strings", ["<s>", "a", "", "héllo"])
    w.add_array("t.f32s", [0.5, -2.25, 1e30])
    w.add_array("t.bools", [True, False])
    w.add_array("t.nested", [[1, 2, 3], [4], [5, 6]])
    w.add_array("t.nested_strings", [["x", "yy"], ["zzz"]])
    w.add_tensor("token_embd.weight", rng.standard_normal((5, 8)).astype(np.float32))
    w.add_tensor("output_norm.weight", rng.standard_normal(8).astype(np.float16))
    w.add_tensor("blk.0.attn_q.weight", rng.integers(0, 256, (2, 144), dtype=np.uint8),
                 raw_dtype=gguf.GGMLQuantizationType.Q4_K)
    w.add_tensor("blk.0.attn_k.weight", rng.integers(0, 256, (3, 2 * 34), dtype=np.uint8),
                 raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("blk.0.ffn_up.weight", rng.standard_normal((2, 3, 4)).astype(np.float32))
    w.add_tensor("blk.0.ffn_down.weight", rng.standard_normal(3).astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return [out / f"tiny-{i:05d}-of-00003.gguf" for i in (1, 2, 3)]


def test_split_model_written_by_gguf_py(tmp_path):
    shards = write_split_model(tmp_path, np.random.default_rng(0))
    assert all(p.is_file() for p in shards)
    dumped = lq_dump(shards[0])
    ref, tensors = compare(shards, dumped)
    assert len(tensors) == 6
    lq = {t["name"]: t for t in dumped["tensors"]}
    assert lq["blk.0.attn_q.weight"]["shape"] == [2, 256] and lq["blk.0.attn_q.weight"]["type"] == "Q4_K"
    assert lq["blk.0.attn_k.weight"]["shape"] == [3, 64]
    assert lq["blk.0.ffn_up.weight"]["shape"] == [2, 3, 4]
    assert dumped["alignment"] == 64
    assert dumped["metadata"]["split.count"] == {"t": "UINT16", "v": 3}
    assert dumped["metadata"]["t.nested"]["v"][2] == {"t": "ARRAY", "e": "INT32", "v": [5, 6]}


def test_split_model_missing_shard_is_named(tmp_path):
    shards = write_split_model(tmp_path, np.random.default_rng(1))
    shards[2].unlink()
    proc = subprocess.run([DUMP, str(shards[0])], capture_output=True, text=True)
    assert proc.returncode == 1
    assert str(shards[0]) in proc.stderr and f"shard 3 of 3 ({shards[2]}) is missing" in proc.stderr
