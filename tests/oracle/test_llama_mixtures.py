"""llama.cpp's mixtures as plan bases: `langquant plan show base=Q4_K_M --json` names, for every
tensor, the type llama-quantize itself writes (llama-cpp-python's llama_model_quantize on an F16
GGUF, read back with gguf-py). Models: tiny synthetic llama / qwen2 / gemma3 GGUFs with row
lengths 256 and 640 and several depths (so the layer pattern of use_more_bits and the fallbacks
show), and Gemma 3 270M and SmolLM2-135M written back as F16 GGUFs from their dequantized
tensors. The F16 GGUFs are made once per session; quantizing them takes seconds."""
import json
import re

import numpy as np
import pytest

from conftest import run_lq

gguf = pytest.importorskip("gguf")
llama_cpp = pytest.importorskip("llama_cpp")

import llama_quantize as lq_llama  # noqa: E402  (needs gguf and llama_cpp)

MIXTURES = ["Q4_K_M", "Q4_K_S", "Q5_K_M", "Q5_K_S", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q2_K", "Q6_K", "Q8_0",
            "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "IQ4_XS"]
# The mixtures whose rules depend on depth, n_gqa or width: on every synthetic model; the others on
# one model per architecture (each llama-quantize call costs about a second).
LAYERED = {"Q4_K_M", "Q4_K_S", "Q5_K_M", "Q3_K_M", "Q2_K"}
# The real models (a few seconds each; the rest is covered on the synthetic ones).
REAL_MIXTURES = ["Q4_K_M", "Q3_K_M", "Q4_0"]


def _types(path):
    """tensor name -> ggml type name in lower case, as written in the GGUF."""
    r = gguf.GGUFReader(str(path))
    return {t.name: t.tensor_type.name.lower() for t in r.tensors}


def _plan_types(model, plan):
    out = json.loads(run_lq("plan", "show", plan, "--model", model, "--json").stdout)
    names = {"fp32": "f32", "fp16": "f16", "bf16": "bf16"}
    return ({t["canonical"]: names.get(t["format"], t["format"]) for t in out["tensors"]},
            {t["canonical"]: t.get("reason", "") for t in out["tensors"]})


def _compare(model, f16, tmp, mixture, plan=None, **quantize_kw):
    dst = tmp / f"{f16.stem}-{mixture}.gguf"
    lq_llama.quantize(f16, dst, mixture, **quantize_kw)
    want = _types(dst)
    got, why = _plan_types(model, plan or f"base={mixture}")
    assert set(got) == set(want), f"tensor names differ: {sorted(set(got) ^ set(want))}"
    bad = {n: (got[n], want[n], why[n]) for n in want if got[n] != want[n]}
    assert not bad, f"{mixture} on {f16.name}: langquant vs llama-quantize (langquant, llama, reason): {bad}"
    return want, why


# ---- synthetic models ----

def _write(path, arch, n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab, tied, head_dim=None, seed=0):
    rng = np.random.default_rng(seed)
    w = gguf.GGUFWriter(str(path), arch)
    head_dim = head_dim or n_embd // n_head
    w.add_context_length(256)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_rope_dimension_count(head_dim)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    if arch == "gemma3":
        w.add_key_length(head_dim)
        w.add_value_length(head_dim)
        w.add_sliding_window(64)
    w.add_tokenizer_model("gpt2")
    w.add_token_list([f"t{i}" for i in range(n_vocab)])

    def mat(name, rows, cols):
        w.add_tensor(name, (rng.standard_normal((rows, cols)) * 0.02).astype(np.float16))

    def vec(name, n):
        w.add_tensor(name, np.ones(n, dtype=np.float32))

    mat("token_embd.weight", n_vocab, n_embd)
    vec("output_norm.weight", n_embd)
    if not tied:
        mat("output.weight", n_vocab, n_embd)
    for l in range(n_layer):
        b = f"blk.{l}."
        vec(b + "attn_norm.weight", n_embd)
        mat(b + "attn_q.weight", n_head * head_dim, n_embd)
        mat(b + "attn_k.weight", n_head_kv * head_dim, n_embd)
        mat(b + "attn_v.weight", n_head_kv * head_dim, n_embd)
        mat(b + "attn_output.weight", n_embd, n_head * head_dim)
        vec(b + "ffn_norm.weight", n_embd)
        mat(b + "ffn_gate.weight", n_ff, n_embd)
        mat(b + "ffn_up.weight", n_ff, n_embd)
        mat(b + "ffn_down.weight", n_embd, n_ff)
        if arch == "qwen2":
            vec(b + "attn_q.bias", n_head * head_dim)
            vec(b + "attn_k.bias", n_head_kv * head_dim)
            vec(b + "attn_v.bias", n_head_kv * head_dim)
        if arch == "gemma3":
            vec(b + "attn_q_norm.weight", head_dim)
            vec(b + "attn_k_norm.weight", head_dim)
            vec(b + "post_attention_norm.weight", n_embd)
            vec(b + "post_ffw_norm.weight", n_embd)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# (arch, layers, width, ffn, heads, kv heads, tied): widths 256 (K-quants fit) and 640 (they fall
# back); depths 8, 12 and 17 move the use_more_bits layers; kv heads give n_gqa 1, 2 and 4.
SYNTHETIC = [
    ("llama", 8, 256, 768, 4, 4, False),
    ("llama", 12, 640, 1280, 10, 2, True),
    ("qwen2", 17, 256, 512, 4, 1, False),
    ("qwen2", 9, 640, 896, 5, 5, True),
    ("gemma3", 18, 640, 2048, 4, 1, True),
    ("gemma3", 8, 256, 512, 2, 1, True),
]


@pytest.fixture(scope="session")
def synthetic_ggufs(tmp_path_factory):
    d = tmp_path_factory.mktemp("mixture-models")
    out = []
    for i, (arch, n_layer, n_embd, n_ff, n_head, n_kv, tied) in enumerate(SYNTHETIC):
        p = d / f"{arch}-L{n_layer}-d{n_embd}-kv{n_kv}.gguf"
        _write(p, arch, n_layer, n_embd, n_ff, n_head, n_kv, 320, tied, seed=i)
        out.append(p)
    return out


@pytest.mark.parametrize("mixture", MIXTURES)
def test_synthetic_models_match_llama_quantize(synthetic_ggufs, tmp_path, mixture):
    models = synthetic_ggufs if mixture in LAYERED else [synthetic_ggufs[i] for i in (0, 3, 4)]
    for f16 in models:
        _compare(f16, f16, tmp_path, mixture)


def test_more_bits_pattern_and_fallbacks_are_named(synthetic_ggufs, tmp_path):
    # Q4_K_M on 8 layers of width 256: attn_v/ffn_down of layers 0, 3, 6, 7 (use_more_bits) at q6_k.
    want, why = _compare(synthetic_ggufs[0], synthetic_ggufs[0], tmp_path, "Q4_K_M")
    six = sorted(int(re.match(r"blk\.(\d+)", n).group(1)) for n, t in want.items()
                 if t == "q6_k" and n.endswith("attn_v.weight"))
    assert six == [0, 3, 6, 7]
    assert "more bits" in why["blk.0.attn_v.weight"]
    # Width 640: q4_k falls back to q5_0, and the tied embedding stays q8_0.
    want, why = _compare(synthetic_ggufs[4], synthetic_ggufs[4], tmp_path, "Q4_K_M")
    assert want["blk.1.attn_q.weight"] == "q5_0" and "fallback: 640 % 256 != 0 -> q5_0" in why["blk.1.attn_q.weight"]
    assert want["token_embd.weight"] == "q8_0"


def test_pure_and_output_overrides(synthetic_ggufs, tmp_path):
    f16 = synthetic_ggufs[0]
    _compare(f16, f16, tmp_path, "Q4_K_M", plan="base=Q4_K_M; pure", pure=True)
    _compare(f16, f16, tmp_path, "Q3_K_M", plan="base=Q3_K_M; output_tensor_type=q8_0; token_embedding_type=q4_0",
             output_type="q8_0", token_embd_type="q4_0")
    tied = synthetic_ggufs[1]  # tied: token_embd takes the output tensor type
    _compare(tied, tied, tmp_path, "Q4_K_M", plan="base=Q4_K_M; output_tensor_type=q5_0", output_type="q5_0")


def test_rules_act_as_tensor_type_overrides(synthetic_ggufs):
    # keep layers 0 and -1 at q8_0: those quantized tensors change, norms stay f32, and the other
    # layers keep the mixture's choice.
    f16 = synthetic_ggufs[2]
    alone, _ = _plan_types(f16, "base=Q4_K_M")
    kept, why = _plan_types(f16, "base=Q4_K_M; keep q8_0 layers=0,-1")
    for n, t in kept.items():
        layer = int(n.split(".")[1]) if n.startswith("blk.") else None
        if layer in (0, 16) and alone[n] != "f32":
            assert t == "q8_0", (n, t, why[n])
        else:
            assert t == alone[n] or n.endswith(("attn_v.weight", "ffn_down.weight")), (n, t, alone[n])


# ---- real models, written back as F16 GGUFs ----

@pytest.fixture(scope="session")
def real_f16(tmp_path_factory, request):
    made = {}

    def get(fixture):
        if fixture not in made:
            src = request.getfixturevalue(fixture)
            dst = tmp_path_factory.mktemp("mixture-real") / f"{fixture}-f16.gguf"
            lq_llama.f16_copy(src, dst)
            made[fixture] = (src, dst)
        return made[fixture]
    return get


@pytest.mark.parametrize("fixture", ["gemma3_gguf", "smollm2_gguf"])
def test_real_models_match_llama_quantize(real_f16, tmp_path, fixture):
    src, f16 = real_f16(fixture)
    for mixture in REAL_MIXTURES:
        # langquant reads the original file (same names and shapes) and the F16 copy alike.
        _compare(src, f16, tmp_path, mixture)
        (tmp_path / f"{f16.stem}-{mixture}.gguf").unlink()
    if fixture == "gemma3_gguf":
        got, why = _plan_types(src, "base=Q3_K_M")
        assert got["token_embd.weight"] == "q8_0", why["token_embd.weight"]
