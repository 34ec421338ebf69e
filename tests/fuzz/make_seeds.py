#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets (tests/fuzz/corpus/<name>/).

Seeds are real inputs made from the repository's own files (models/default's config and
tokenizer, data/sample, the built-in recipes, the plan grammar's examples) and tiny checkpoints
written here byte by byte (safetensors, GGUF v2/v3 with every value type and block type), each
a few KB. Python's standard library only, so it runs anywhere; deterministic (fixed seeds), so
rerunning it changes nothing. The sweep store seed needs a SweepStore-written database: pass
--sweep-db FILE (tests/fuzz/make_sweep_seed, built with the fuzz targets) to refresh it.

Usage: tests/fuzz/make_seeds.py [--sweep-db FILE]
"""
import argparse
import json
import random
import re
import shutil
import sqlite3
import struct
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "corpus"
rng = random.Random(13)


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def sample_lines(lang, n=2):
    lines = [l for l in (ROOT / "data/sample" / f"{lang}.txt").read_text("utf-8").splitlines() if l.strip()]
    return lines[:n]


# ---------------------------------------------------------------- safetensors
F32 = lambda vals: struct.pack(f"<{len(vals)}f", *vals)


def f16(vals):
    return struct.pack(f"<{len(vals)}e", *vals)


def bf16(vals):
    return b"".join(struct.pack("<f", v)[2:] for v in vals)


def safetensors(tensors, metadata=None, pad_to=None):
    """tensors: list of (name, dtype, shape, bytes); header padded with spaces to pad_to bytes."""
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad_to:
        h += b" " * max(0, pad_to - len(h))
    return struct.pack("<Q", len(h)) + h + data


def seeds_safetensors():
    vals = [0.5, -1.25, 3.0, 0.0, -0.0, 65504.0]
    put("safetensors", "every_dtype", safetensors([
        ("a.f32", "F32", [2, 3], F32(vals)), ("b.f16", "F16", [3, 2], f16(vals)), ("c.bf16", "BF16", [6], bf16(vals)),
        ("d.i64", "I64", [2], struct.pack("<2q", 1, -2)), ("e.i32", "I32", [1], struct.pack("<i", 7)),
        ("f.u8", "U8", [3], b"\x01\x02\x03"), ("g.bool", "BOOL", [2], b"\x00\x01"),
        ("h.f64", "F64", [1], struct.pack("<d", 2.5)), ("i.i8", "I8", [2], b"\xff\x01"),
        ("j.i16", "I16", [1], struct.pack("<h", -3))], {"format": "pt"}))
    # Data starting at an odd offset (the misaligned f16 read UBSan found), and an empty tensor.
    put("safetensors", "odd_offset", safetensors([("x", "F16", [3], f16([1, 2, 3])), ("empty", "F32", [0, 4], b"")],
                                                 pad_to=13))
    put("safetensors", "scalar_and_empty", safetensors([("s", "F32", [], F32([1.5])), ("z", "BF16", [0], b"")]))
    put("safetensors", "no_tensors", safetensors([], {"a": "b"}))
    # A GPT-2-shaped miniature: the default model's tensor names at tiny shapes.
    d, v, p = 4, 6, 3
    t = [("wte.weight", "F32", [v, d], F32([rng.uniform(-1, 1) for _ in range(v * d)])),
         ("wpe.weight", "F32", [p, d], F32([rng.uniform(-1, 1) for _ in range(p * d)])),
         ("h.0.ln_1.weight", "F32", [d], F32([1.0] * d)), ("h.0.ln_1.bias", "F32", [d], F32([0.0] * d)),
         ("h.0.attn.c_attn.weight", "F16", [d, 3 * d], f16([rng.uniform(-1, 1) for _ in range(3 * d * d)])),
         ("h.0.attn.c_attn.bias", "F32", [3 * d], F32([0.1] * (3 * d))),
         ("h.0.mlp.c_fc.weight", "BF16", [d, 2 * d], bf16([rng.uniform(-1, 1) for _ in range(2 * d * d)])),
         ("ln_f.weight", "F32", [d], F32([1.0] * d))]
    put("safetensors", "gpt2_tiny", safetensors(t, {"format": "pt"}))
    # The header of the committed default model, its tensors cut to nothing (names and layout).
    raw = (ROOT / "models/default/model.safetensors").read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8:8 + n])
    names = sorted(k for k in hdr if k != "__metadata__")[:12]
    put("safetensors", "default_model_names", safetensors([(k, hdr[k]["dtype"], [1], F32([0.25])) for k in names],
                                                          hdr.get("__metadata__")))


def seeds_safetensors_index():
    good = {"metadata": {"total_size": 60},
            "weight_map": {"wte.weight": "model-00001-of-00002.safetensors",
                           "h.0.ln_1.weight": "model-00001-of-00002.safetensors",
                           "h.0.mlp.c_fc.weight": "model-00002-of-00002.safetensors"}}
    put("safetensors_index", "good", json.dumps(good, indent=2))
    one = {"weight_map": {"wte.weight": "model-00001-of-00002.safetensors"}}
    put("safetensors_index", "subset", json.dumps(one))
    bad = {"weight_map": {"wte.weight": "model-00002-of-00002.safetensors", "x": "../model.safetensors"}}
    put("safetensors_index", "wrong_shard", json.dumps(bad))
    put("safetensors_index", "missing_shard", json.dumps({"weight_map": {"a": "model-00009-of-00009.safetensors"}}))


# ---------------------------------------------------------------- GGUF
GT = {"u8": 0, "i8": 1, "u16": 2, "i16": 3, "u32": 4, "i32": 5, "f32": 6, "bool": 7, "str": 8, "arr": 9,
      "u64": 10, "i64": 11, "f64": 12}
PACK = {"u8": "<B", "i8": "<b", "u16": "<H", "i16": "<h", "u32": "<I", "i32": "<i", "f32": "<f", "bool": "<?",
        "u64": "<Q", "i64": "<q", "f64": "<d"}
# ggml type id, elements per block, bytes per block
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q4_1": (3, 32, 20), "Q5_0": (6, 32, 22),
        "Q5_1": (7, 32, 24), "Q8_0": (8, 32, 34), "Q2_K": (10, 256, 84), "Q3_K": (11, 256, 110),
        "Q4_K": (12, 256, 144), "Q5_K": (13, 256, 176), "Q6_K": (14, 256, 210), "IQ4_NL": (20, 32, 18),
        "BF16": (30, 1, 2), "IQ4_XS": (23, 256, 136)}


def gstr(s, v=3):
    b = s.encode()
    return struct.pack("<Q" if v >= 2 else "<I", len(b)) + b


def gval(kind, value):
    if kind == "str":
        return gstr(value)
    if isinstance(kind, tuple):  # ("arr", element kind)
        ek = kind[1]
        out = struct.pack("<I", GT["arr"] if isinstance(ek, tuple) else GT[ek]) + struct.pack("<Q", len(value))
        return out + b"".join(gval(ek, x) for x in value)
    return struct.pack(PACK[kind], value)


def gkind_id(kind):
    return GT["arr"] if isinstance(kind, tuple) else GT[kind]


def gguf(kvs, tensors, version=3, alignment=32):
    """kvs: list of (key, kind, value); tensors: list of (name, type, ne list, bytes)."""
    out = b"GGUF" + struct.pack("<I", version) + struct.pack("<QQ", len(tensors), len(kvs))
    for key, kind, value in kvs:
        out += gstr(key) + struct.pack("<I", gkind_id(kind))
        out += gval(kind, value)
    offset, datas = 0, []
    for name, typ, ne, raw in tensors:
        out += gstr(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
        out += struct.pack("<I", GGML[typ][0]) + struct.pack("<Q", offset)
        datas.append((offset, raw))
        offset += (len(raw) + alignment - 1) // alignment * alignment
    out += b"\0" * ((-len(out)) % alignment)
    data = bytearray(offset)
    for off, raw in datas:
        data[off:off + len(raw)] = raw
    return out + bytes(data)


def arr(kind):
    return ("arr", kind)


def block_bytes(typ, n_elems):
    _, per, nbytes = GGML[typ]
    raw = bytearray(rng.randrange(256) for _ in range(n_elems // per * nbytes))
    if typ in ("F16",):
        raw = bytearray(f16([rng.uniform(-2, 2) for _ in range(n_elems)]))
    if typ == "F32":
        raw = bytearray(F32([rng.uniform(-2, 2) for _ in range(n_elems)]))
    if typ == "BF16":
        raw = bytearray(bf16([rng.uniform(-2, 2) for _ in range(n_elems)]))
    return bytes(raw)


def llama_kvs(arch="llama", n_embd=32, n_layer=1, vocab=None):
    kvs = [("general.architecture", "str", arch), ("general.name", "str", "tiny"),
           ("general.alignment", "u32", 32),
           (f"{arch}.context_length", "u32", 64), (f"{arch}.embedding_length", "u32", n_embd),
           (f"{arch}.block_count", "u32", n_layer), (f"{arch}.feed_forward_length", "u32", 64),
           (f"{arch}.attention.head_count", "u32", 4), (f"{arch}.attention.head_count_kv", "u32", 2),
           (f"{arch}.attention.layer_norm_rms_epsilon", "f32", 1e-5), (f"{arch}.rope.freq_base", "f32", 10000.0),
           (f"{arch}.rope.dimension_count", "u32", 8)]
    if vocab:
        kvs += vocab
    return kvs


def gpt2_vocab():
    tokens = ["a", "b", "c", "Ġ", "ab", "Ġab", "<|endoftext|>"]
    return [("tokenizer.ggml.model", "str", "gpt2"), ("tokenizer.ggml.pre", "str", "gpt-2"),
            ("tokenizer.ggml.tokens", arr("str"), tokens),
            ("tokenizer.ggml.token_type", arr("i32"), [1, 1, 1, 1, 1, 1, 3]),
            ("tokenizer.ggml.merges", arr("str"), ["a b", "Ġ ab"]),
            ("tokenizer.ggml.bos_token_id", "u32", 6), ("tokenizer.ggml.eos_token_id", "u32", 6),
            ("tokenizer.ggml.add_bos_token", "bool", False)]


def spm_vocab():
    tokens = ["<unk>", "<s>", "</s>", "▁", "a", "b", "▁a", "ab", "<0x41>", "<0xC3>"]
    return [("tokenizer.ggml.model", "str", "llama"), ("tokenizer.ggml.tokens", arr("str"), tokens),
            ("tokenizer.ggml.scores", arr("f32"), [0.0, 0.0, 0.0, -1.0, -2.0, -2.5, -1.5, -3.0, 0.0, 0.0]),
            ("tokenizer.ggml.token_type", arr("i32"), [2, 3, 3, 1, 1, 1, 1, 1, 6, 6]),
            ("tokenizer.ggml.bos_token_id", "u32", 1), ("tokenizer.ggml.eos_token_id", "u32", 2),
            ("tokenizer.ggml.unknown_token_id", "u32", 0), ("tokenizer.ggml.add_bos_token", "bool", True),
            ("tokenizer.ggml.add_space_prefix", "bool", True)]


def seeds_gguf():
    every = [("u8", "u8", 200), ("i8", "i8", -5), ("u16", "u16", 60000), ("i16", "i16", -300),
             ("u32", "u32", 4000000000), ("i32", "i32", -70000), ("f32", "f32", 0.5), ("bool", "bool", True),
             ("str", "str", "héllo"), ("u64", "u64", 2**63), ("i64", "i64", -2**40), ("f64", "f64", 1e300),
             ("arr.i32", arr("i32"), [1, -2, 3]), ("arr.str", arr("str"), ["x", "", "zz"]),
             ("arr.f64", arr("f64"), [0.25]), ("arr.nested", arr(arr("u8")), [[1, 2], [3]]),
             ("arr.empty", arr("u8"), [])]
    tensors = []
    for typ in ["F32", "F16", "BF16", "Q4_0", "Q8_0", "Q4_K", "Q6_K", "IQ4_NL"]:
        per = GGML[typ][1]
        n = max(per, 8)
        tensors.append((f"t.{typ.lower()}", typ, [n, 1], block_bytes(typ, n)))
    put("gguf", "every_value_type", gguf([("general.architecture", "str", "llama")] + every, tensors[:3]))
    put("gguf", "block_tensors", gguf([("general.alignment", "u32", 64)], tensors[3:], alignment=64))
    put("gguf", "v2", gguf(every[:6], tensors[:1], version=2))
    put("gguf", "header_only", gguf([], []))
    d = 32
    blk = [("token_embd.weight", "Q8_0", [d, 7], block_bytes("Q8_0", d * 7)),
           ("output_norm.weight", "F32", [d], block_bytes("F32", d)),
           ("blk.0.attn_norm.weight", "F32", [d], block_bytes("F32", d)),
           ("blk.0.attn_q.weight", "Q4_0", [d, d], block_bytes("Q4_0", d * d))]
    put("gguf", "llama_gpt2_vocab", gguf(llama_kvs("llama", d, 1, gpt2_vocab()), blk[:2]))
    put("gguf", "llama_spm_vocab", gguf(llama_kvs("llama", d, 1, spm_vocab()), blk[1:3]))
    put("gguf", "qwen2_tiny", gguf(llama_kvs("qwen2", d, 1, gpt2_vocab()), blk[1:2]))
    put("gguf", "gemma3_tiny", gguf(llama_kvs("gemma3", d, 1, spm_vocab()) +
                                    [("gemma3.attention.key_length", "u32", 8),
                                     ("gemma3.attention.sliding_window", "u32", 16)], blk[1:2]))
    put("gguf", "split_shard", gguf([("split.no", "u16", 0), ("split.count", "u16", 1),
                                     ("split.tensors.count", "i32", 1)], blk[1:2]))


def seeds_dequantize():
    types = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS",
             "F16", "BF16", "F32"]
    for i, typ in enumerate(types):
        per, nbytes = GGML[typ][1], GGML[typ][2]
        put("dequantize", typ.lower(), bytes([i]) + block_bytes(typ, per * (2 if per > 1 else 16)))


# ---------------------------------------------------------------- config.json
def seeds_config():
    put("config", "default_model", (ROOT / "models/default/config.json").read_text())
    base = {"vocab_size": 64, "max_position_embeddings": 32}
    configs = {
        "gpt2": {"model_type": "gpt2", "n_embd": 16, "n_layer": 2, "n_head": 2, "n_positions": 32, "vocab_size": 64,
                 "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "scale_attn_by_inverse_layer_idx": True},
        "llama": {**base, "model_type": "llama", "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 4,
                  "num_key_value_heads": 2, "num_hidden_layers": 2, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
                  "tie_word_embeddings": False, "hidden_act": "silu",
                  "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                   "high_freq_factor": 4.0, "original_max_position_embeddings": 16}},
        "mistral": {**base, "model_type": "mistral", "hidden_size": 16, "intermediate_size": 32,
                    "num_attention_heads": 4, "num_key_value_heads": 4, "num_hidden_layers": 1, "sliding_window": None,
                    "rope_scaling": {"type": "dynamic", "factor": 2.0}},
        "qwen2": {**base, "model_type": "qwen2", "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 4,
                  "num_key_value_heads": 2, "num_hidden_layers": 1, "tie_word_embeddings": True,
                  "use_sliding_window": False, "rope_scaling": {"type": "linear", "factor": 2.0}},
        "opt": {**base, "model_type": "opt", "hidden_size": 16, "ffn_dim": 32, "num_attention_heads": 2,
                "num_hidden_layers": 2, "word_embed_proj_dim": 8, "do_layer_norm_before": False,
                "activation_function": "relu", "enable_bias": True, "layer_norm_elementwise_affine": True},
        "gpt_neox": {**base, "model_type": "gpt_neox", "hidden_size": 16, "intermediate_size": 64,
                     "num_attention_heads": 2, "num_hidden_layers": 2, "rotary_pct": 0.25, "rotary_emb_base": 10000,
                     "use_parallel_residual": True, "layer_norm_eps": 1e-5, "hidden_act": "gelu"},
        "bloom": {"model_type": "bloom", "vocab_size": 64, "hidden_size": 16, "n_head": 3, "n_layer": 2,
                  "layer_norm_epsilon": 1e-5, "apply_residual_connection_post_layernorm": False},
        "bert": {**base, "model_type": "bert", "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2,
                 "num_hidden_layers": 1, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
                 "position_embedding_type": "absolute"},
        "gemma3_text": {**base, "model_type": "gemma3_text", "hidden_size": 16, "intermediate_size": 32,
                        "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8, "num_hidden_layers": 2,
                        "sliding_window": 8, "rope_local_base_freq": 10000.0, "rope_theta": 1000000.0,
                        "query_pre_attn_scalar": 8, "final_logit_softcapping": None,
                        "hidden_activation": "gelu_pytorch_tanh",
                        "layer_types": ["sliding_attention", "full_attention"]},
        "gemma3": {"model_type": "gemma3", "text_config": {"model_type": "gemma3_text", "hidden_size": 16,
                                                           "num_hidden_layers": 1, "num_attention_heads": 2,
                                                           "head_dim": 8, "intermediate_size": 32,
                                                           "vocab_size": 64}},
    }
    for name, c in configs.items():
        put("config", name, json.dumps(c, indent=1))


# ---------------------------------------------------------------- tokenizer.json
def cut_default_tokenizer(keep=160):
    """models/default's tokenizer.json, its vocabulary cut to the first `keep` ids and the merges
    whose parts and result survive: still a real, consistent byte-level BPE."""
    j = json.loads((ROOT / "models/default/tokenizer.json").read_text("utf-8"))
    vocab = {k: v for k, v in j["model"]["vocab"].items() if v < keep}
    merges = []
    for m in j["model"]["merges"]:
        a, b = m if isinstance(m, list) else m.split(" ", 1)
        if a in vocab and b in vocab and a + b in vocab:
            merges.append(m)
    j["model"]["vocab"] = vocab
    j["model"]["merges"] = merges
    j["added_tokens"] = [dict(t, id=keep) for t in j["added_tokens"][:1]]
    return j


def seeds_tokenizer_json():
    j = cut_default_tokenizer()
    put("tokenizer_json", "default_cut", json.dumps(j, ensure_ascii=False))
    vocab = {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hello": 3, "world": 4, "##s": 5, "wor": 6, "##ld": 7, "!": 8}
    bert = {"version": "1.0", "added_tokens": [
        {"id": 0, "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
        {"id": 1, "content": "[CLS]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
        {"id": 2, "content": "[SEP]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                      {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                           "pair": [], "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1], "tokens": ["[CLS]"]},
                                                          "[SEP]": {"id": "[SEP]", "ids": [2], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab}}
    put("tokenizer_json", "wordpiece_bert", json.dumps(bert))
    uni = {"version": "1.0", "added_tokens": [
        {"id": 0, "content": "<unk>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "post_processor": None,
        "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": False,
                  "vocab": [["<unk>", 0.0], ["▁", -2.0], ["▁a", -1.5], ["b", -2.5], ["a", -3.0], ["▁ab", -1.0], ["c", -4.0]]}}
    put("tokenizer_json", "unigram_metaspace", json.dumps(uni, ensure_ascii=False))
    spm = {"version": "1.0", "added_tokens": [], "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None, "post_processor": None,
        "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                                                     {"type": "ByteFallback"}, {"type": "Fuse"},
                                                     {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": {"<unk>": 0, "<0x41>": 1, "<0xC3>": 2, "▁": 3, "a": 4, "b": 5, "▁a": 6, "ab": 7},
                  "merges": ["▁ a", "a b"]}}
    put("tokenizer_json", "bpe_byte_fallback", json.dumps(spm, ensure_ascii=False))
    split = json.loads(json.dumps(j))
    split["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"},
         "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
    split["normalizer"] = {"type": "NFC"}
    put("tokenizer_json", "llama3_style_split", json.dumps(split, ensure_ascii=False))
    # Regression input: a regex that backtracks without end (PCRE2 limits, regex.cpp).
    hang = json.loads(json.dumps(bert))
    hang["pre_tokenizer"] = {"type": "Split", "pattern": {"Regex": "(\\w+\\s?)*$"}, "behavior": "Removed", "invert": False}
    put("tokenizer_json", "regress_backtracking_regex", json.dumps(hang))


def seeds_encode():
    langs = ["en", "de", "ar", "hi", "zh", "ja", "ko", "ru", "he", "vi", "tr", "el"]
    for lang in langs:
        put("encode", lang, "\n".join(sample_lines(lang)))
    put("encode", "bytes", b"\xff\xfe invalid \xe2\x82 utf8 \xf0\x9f\x98 <|endoftext|>  \t\r\n 12345 'll 's")
    put("encode", "spaces", "a" + " " * 300 + "b\n\n\n   \u00a0\u3000 end")


# ---------------------------------------------------------------- plans and experiments
def plan_examples():
    text = (ROOT / "src/quant/plan.cpp").read_text("utf-8")
    lines = re.findall(r"^  (base=[^\n]*)$", text, re.M)
    readme = (ROOT / "README.md").read_text("utf-8")
    lines += re.findall(r"^(base=[^#\n]*?)\s*(?:#.*)?$", readme, re.M)
    lines += ['plan=q;x; base=int4-asym-g64; keep fp16 name="a;b" layers=first3,-1,2..5,odd,50%',
              "base=int3-chan-mse; set q8_0 component=attention,mlp kind=weight layers=last2",
              "base=q4_K; keep int8-chan top=0.5% scope=global; keep fp32 random=1% seed=7"]
    return sorted(set(l.strip() for l in lines))


def seeds_plan():
    for i, line in enumerate(plan_examples()):
        put("plan", f"line_{i:02d}", b"\x00" + line.encode())
    toml = 'name = "l0-last"\nbase = "int4"\n[[rules]]\nformat = "fp16"\nlayers = [0, -1]\n' \
           '[[rules]]\nformat = "fp16"\nkind = "bias"\n[[rules]]\nformat = "q8_0"\ncomponent = ["attention"]\n' \
           'top = "5%"\nscope = "global"\nrules_text = "keep fp16 name=output_norm.*"\n'
    put("plan", "toml", b"\x01" + toml.encode())
    put("plan", "toml_strings", b"\x01" + b'base = "int4-g128"\nrules = ["keep fp16 layers=0,-1", "keep fp16 top=1%"]\n')
    js = {"name": "mixed", "base": "int4", "rules": ["keep fp16 kind=norm",
                                                     {"format": "fp16", "layers": [0, "last"], "name": "blk.*"},
                                                     {"format": "int8", "random": "5%", "seed": 3}]}
    put("plan", "json", b"\x02" + json.dumps(js).encode())


def seeds_neurons():
    """`langquant neurons` output: 2 layers x 3 units, two languages, one unit never active."""
    j = {"schema_version": 1, "kind": "langquant.neurons", "n_layer": 2, "n_ff": 3, "threshold": 0.5,
         "languages": [{"lang": "ar", "rows": 4, "probability": [[0.9, 0.0, 0.25], [0.5, 0.75, 0.0]]},
                       {"lang": "en", "rows": 4, "probability": [[0.1, 0.0, 0.25], [0.5, 0.0, 1.0]]}],
         "lape": [[0.325, None, 0.693], [0.693, 0.0, 0.0]]}
    for i in range(3):
        put("neurons", f"neurons_{i}", bytes([i]) + json.dumps(j).encode())


def seeds_report():
    """A schema-2 comparison as `sweep --out` writes it: full precision, a base plan and two
    tagged layer plans over two languages, with 5 bootstrap replicates per group quantity."""
    def est(v):
        return {"": v, "_lo": v * 0.9, "_hi": v * 1.1}
    plans = [("full-precision", "fp", 0.0, {"axis": "reference"}), ("none", "base=int4", 0.0, {"axis": "base"}),
             ("L0", "base=int4; keep fp16 layers=0", 0.1, {"axis": "layers", "layers": [0], "layer": 0, "component": ""}),
             ("L1", "base=int4; keep fp16 layers=1", 0.1, {"axis": "layers", "layers": [1], "layer": 1, "component": "attn"})]
    j = {"schema_version": 2, "model": "m", "corpus": "c", "mode": "sentence", "n_ctx": 64, "bos": True,
         "reference_language": "en", "interval": "95% paired percentile bootstrap over units, 5 replicates",
         "bootstrap": {"replicates": 5, "seed": 1, "paired": "same resamples"},
         "plans": [{"name": n, "plan": line, "overhead": o, "size_bytes": 1e6, "bits_per_weight": 4.5, "tags": t}
                   for n, line, o, t in plans], "rows": [], "groups": []}
    for i, (n, _, _, _) in enumerate(plans[1:]):
        for lang in ("en", "he"):
            r = {"plan": n, "lang": lang}
            for k, v in [("ppl", 10.0 + i), ("degradation", 0.1 * (i + 1)), ("disparity", 2.0 - i),
                         ("nll_disparity", 1.5), ("delta_bpb", 0.01), ("kl", 0.1), ("top1", 0.9)]:
                r.update({k + s: x for s, x in est(v).items()})
            r["disparity_unstable"] = i == 2
            j["rows"].append(r)
        g = {"plan": n, "group": "lr", "lr_disparity_unstable": False,
             "replicates": {"lr_disparity": [2.0 - i, 2.1 - i, None, 1.9 - i, 2.0], "delta_bpb_gap": [0.1] * 5,
                            "delta_bpb": [0.01 * i] * 5, "kl": [0.1, 0.2, 0.1, 0.1, 0.3]}}
        for k, v in [("lr_disparity", 2.0 - i), ("delta_bpb_gap", 0.1 - 0.02 * i), ("delta_bpb", 0.01), ("kl", 0.1)]:
            g.update({k + s: x for s, x in est(v).items()})
        j["groups"].append(g)
    put("report", "sweep_once", b"\x00" + json.dumps(j).encode())
    put("report", "sweep_twice", b"\x01" + json.dumps(j).encode())
    del j["bootstrap"], j["schema_version"]
    for g in j["groups"]:
        del g["replicates"]
    put("report", "schema1", b"\x00" + json.dumps(j).encode())
    def run(d, patch, share, unstable=False):
        return {"direction": d, "patch": patch, "share": None if unstable else share, "share_lo": None if unstable else share - 0.1,
                "share_hi": None if unstable else share + 0.1, "unstable": unstable}
    patch = {"kind": "langquant.patch", "schema_version": 1, "model": "m", "corpus": "c",
             "plan": {"line": "base=int4", "name": "base=int4"}, "sentences_per_language": 2,
             "bootstrap": {"replicates": 5, "seed": 1, "confidence": 0.95},
             "languages": [{"lang": lang, "delta_nll": d, "delta_nll_lo": d - 0.1, "delta_nll_hi": d + 0.1,
                            "runs": [run("restore", "block.0", 0.3, lang == "en"), run("inject", "attn.1+mlp.1", 0.5, lang == "en")]}
                           for lang, d in (("he", 0.5), ("en", 0.05), ("all", 0.3))]}
    put("report", "patch", b"\x02" + json.dumps(patch).encode())


def seeds_language_table():
    """`correlate --languages` files: the built-in table itself, and an override with a new column."""
    text = (ROOT / "src/analysis/language_metadata.cpp").read_text("utf-8")
    put("language_table", "builtin", re.search(r'R"\((.*?)\)"', text, re.S).group(1))
    put("language_table", "override", "# my study\ncode\tjoshi\tscript\nhe\t3\t\nzz\t1\tLatn\r\n\nsw-KE\t2\tLatn\n")


def seeds_experiment():
    text = (ROOT / "src/experiments/recipes.cpp").read_text("utf-8")
    recipes = re.findall(r'R"\((.*?)\)"', text, re.S)
    for i, toml in enumerate(recipes):
        put("experiment", f"recipe_{i:02d}", b"\x00" + f'name = "r{i}"\ndescription = "recipe"\n{toml}'.encode())
    js = {"name": "json-exp", "base": "int4-g128", "keep": "q8_0", "length_buckets": True,
          "axis": [{"type": "plans", "plans": ["none", {"plan": "base=int8", "name": "i8", "tags": {"k": 1}}]},
                   {"type": "layers", "components": ["ffn", "attn"], "layers": [0, "last", "50%"]},
                   {"type": "magnitude", "percents": [1, 5]}]}
    put("experiment", "json", b"\x01" + json.dumps(js).encode())


# ---------------------------------------------------------------- corpora
def seeds_corpus():
    def files(langs, conllu=False):
        parts = []
        for lang in langs:
            lines = sample_lines(lang.split("_")[0], 3)
            if conllu:
                body = "".join(f"# sent_id = {i}\n# text = {l}\n1\t{l.split()[0]}\t_\t_\t_\t_\t0\troot\t_\t_\n\n"
                               for i, l in enumerate(lines))
            else:
                body = "\n".join(lines) + "\n"
            parts.append(f"{lang}\n{body}".encode())
        return b"\0".join(parts)
    put("corpus", "txt", b"\x00" + files(["en", "de", "ar"]))
    put("corpus", "flores_dev", b"\x01" + b"\0".join(
        f"{code}\n".encode() + "\n".join(sample_lines(lang, 2)).encode() for code, lang in [("eng_Latn", "en"), ("deu_Latn", "de")]))
    put("corpus", "flores_devtest", b"\x02" + b"\0".join(
        f"{code}\n".encode() + "\n".join(sample_lines(lang, 2)).encode()
        for code, lang in [("eng_Latn", "en"), ("zho_Hans", "zh"), ("hin_Deva", "hi")]))
    put("corpus", "conllu", b"\x03" + files(["en_ewt-ud-test", "he_htb-ud-test"], conllu=True))
    put("corpus", "single_txt", b"\x84" + files(["ja"]))
    put("corpus", "single_conllu", b"\x05" + files(["ko_pud-ud-test"], conllu=True))
    put("corpus", "crlf_bom_blank", b"\x00" + b"en\n\xef\xbb\xbfHello\r\n\r\n  \t\nWorld\r\n\0fr\n")


# ---------------------------------------------------------------- sweep store
def seeds_sweep_store(db):
    """The SweepStore-written database, rewritten with 512-byte pages so the seed stays small."""
    if db is None:
        return
    tmp = Path(tempfile.mkdtemp()) / "s.sqlite"
    shutil.copy(db, tmp)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA page_size=512")
    con.execute("VACUUM")
    con.close()
    data = tmp.read_bytes()
    put("sweep_store", "sweep_512", data)
    put("sweep_store", "truncated", data[: len(data) // 2])
    put("sweep_store", "header_only", data[:100])
    shutil.rmtree(tmp.parent)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sweep-db", help="a database written by tests/fuzz/make_sweep_seed")
    a = ap.parse_args()
    seeds_safetensors()
    seeds_safetensors_index()
    seeds_gguf()
    seeds_dequantize()
    seeds_config()
    seeds_tokenizer_json()
    seeds_encode()
    seeds_plan()
    seeds_experiment()
    seeds_neurons()
    seeds_report()
    seeds_language_table()
    seeds_corpus()
    seeds_sweep_store(a.sweep_db)
    for d in sorted(OUT.iterdir()):
        files = list(d.iterdir())
        print(f"{d.name:20s} {len(files):3d} seeds {sum(f.stat().st_size for f in files):7d} bytes")


if __name__ == "__main__":
    main()
