"""Gemma 3 (gemma3_text, and the text model of a multimodal gemma3 config): langquant's per-token
log-probabilities on random-weight checkpoints equal the reference's on multilingual text
(max |diff| <= 1e-4, F32 compute), with sequences longer than the sliding window so local and
global layers differ.

Two references:
- transformers' Gemma3ForCausalLM itself (checkpoints made by checkpoints.make_gemma3), when the
  installed transformers has Gemma 3;
- a float64 numpy forward written from modeling_gemma3.py, over checkpoints written here in the
  layouts transformers saves (Gemma3ForCausalLM, and Gemma3ForConditionalGeneration before and
  after transformers 4.52), with configs in every style seen (layer_types, sliding_window_pattern,
  rope_parameters, text_config holding only non-default keys). It also drives the features real
  Gemma 3 checkpoints leave off (attention and final softcapping, an untied head).
"""
import json
import shutil

import numpy as np
import pytest
import torch

from checkpoints import compare_causal, inspect_json, multilingual_lines
from conftest import GPT2_TOKENIZER, read_jsonl, run_lq

try:
    import transformers.models.gemma3.modeling_gemma3  # noqa: F401
    HAVE_GEMMA3 = True
except ImportError:
    HAVE_GEMMA3 = False
needs_transformers_gemma3 = pytest.mark.skipif(not HAVE_GEMMA3, reason="installed transformers has no Gemma 3")

VOCAB, BOS = 50257, 50256  # GPT-2's tokenizer stands in for Gemma's


@pytest.fixture(scope="module")
def lines():
    return multilingual_lines()


# ---- numpy reference ------------------------------------------------------------------------

def rms_norm(x, w, eps):
    """Gemma3RMSNorm: x / sqrt(mean(x^2) + eps) * (1 + w)."""
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * (1.0 + w)


def rope(x, theta, factor):
    """rotate_half RoPE of x [T, heads, d] at positions 0..T-1 (linear scaling by factor)."""
    T, _, d = x.shape
    inv = 1.0 / theta ** (np.arange(0, d, 2) / d) / factor
    ang = np.arange(T)[:, None] * inv[None, :]
    cos = np.cos(np.concatenate([ang, ang], -1))[:, None, :]
    sin = np.sin(np.concatenate([ang, ang], -1))[:, None, :]
    rot = np.concatenate([-x[..., d // 2:], x[..., : d // 2]], -1)
    return x * cos + rot * sin


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3)))


def softcap(x, c):
    return c * np.tanh(x / c) if c else x


def numpy_logprobs(p, ids):
    """log-softmax [T, vocab] of the Gemma 3 forward in float64; p holds the spec and weights."""
    s, W = p["spec"], p["w"]
    D, H, Hkv, hd, eps = s["D"], s["H"], s["Hkv"], s["hd"], s["eps"]
    T = len(ids)
    x = W["embed"][ids] * np.float64(np.float32(np.sqrt(D)))
    i, j = np.arange(T)[:, None], np.arange(T)[None, :]
    for l in range(s["L"]):
        L = W["layers"][l]
        local = s["local"][l]
        theta, factor = (s["local_theta"], 1.0) if local else (s["theta"], s["factor"])
        h = rms_norm(x, L["input_layernorm"], eps)
        q = (h @ L["q_proj"].T).reshape(T, H, hd)
        k = (h @ L["k_proj"].T).reshape(T, Hkv, hd)
        v = (h @ L["v_proj"].T).reshape(T, Hkv, hd)
        q = rope(rms_norm(q, L["q_norm"], eps), theta, factor)
        k = rope(rms_norm(k, L["k_norm"], eps), theta, factor)
        allowed = (j <= i) & ((j > i - s["window"]) if local else True)
        out = np.zeros((T, H, hd))
        for hh in range(H):
            kv = hh // (H // Hkv)
            sc = softcap(q[:, hh] @ k[:, kv].T * s["qpas"] ** -0.5, s["attn_softcap"])
            sc = np.where(allowed, sc, -np.inf)
            pr = np.exp(sc - sc.max(-1, keepdims=True))
            out[:, hh] = (pr / pr.sum(-1, keepdims=True)) @ v[:, kv]
        a = out.reshape(T, H * hd) @ L["o_proj"].T
        x = x + rms_norm(a, L["post_attention_layernorm"], eps)
        h = rms_norm(x, L["pre_feedforward_layernorm"], eps)
        f = (gelu_tanh(h @ L["gate_proj"].T) * (h @ L["up_proj"].T)) @ L["down_proj"].T
        x = x + rms_norm(f, L["post_feedforward_layernorm"], eps)
    x = rms_norm(x, W["norm"], eps)
    logits = softcap(x @ W["lm_head"].T, s["final_softcap"])
    m = logits.max(-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))


def write_numpy_checkpoint(dir_, *, style="text", D=64, H=4, Hkv=2, hd=24, F=96, L=4, window=5,
                           pattern=2, theta=1e6, local_theta=1e4, factor=1.0, qpas=24.0, eps=1e-6,
                           attn_softcap=0.0, final_softcap=0.0, tied=True, seed=0):
    """Random Gemma 3 weights (float32) saved as transformers lays them out; returns the spec and
    weights in float64 for numpy_logprobs. style: "text" (Gemma3ForCausalLM, layer_types),
    "text-pattern" (sliding_window_pattern), "text-rope-parameters" (transformers 5's
    rope_parameters), "mm-old" / "mm-new" (Gemma3ForConditionalGeneration's language model
    before / after transformers 4.52, text_config holding only what differs from the defaults)."""
    from safetensors.numpy import save_file
    rng = np.random.default_rng(seed)
    mat = lambda o, i: rng.normal(0, 0.08, (o, i)).astype(np.float32)  # noqa: E731
    nrm = lambda n: rng.normal(0, 0.3, n).astype(np.float32)  # noqa: E731  (w, scale 1 + w)
    local = [(l + 1) % pattern != 0 for l in range(L)]
    layers = []
    for _ in range(L):
        layers.append(dict(q_proj=mat(H * hd, D), k_proj=mat(Hkv * hd, D), v_proj=mat(Hkv * hd, D),
                           o_proj=mat(D, H * hd), q_norm=nrm(hd), k_norm=nrm(hd), input_layernorm=nrm(D),
                           post_attention_layernorm=nrm(D), pre_feedforward_layernorm=nrm(D),
                           post_feedforward_layernorm=nrm(D), gate_proj=mat(F, D), up_proj=mat(F, D),
                           down_proj=mat(D, F)))
    W = dict(embed=rng.normal(0, 0.5, (VOCAB, D)).astype(np.float32), norm=nrm(D), layers=layers)
    W["lm_head"] = W["embed"] if tied else mat(VOCAB, D)
    model = {"mm-old": "language_model.model.", "mm-new": "model.language_model."}.get(style, "model.")
    tensors = {model + "embed_tokens.weight": W["embed"], model + "norm.weight": W["norm"]}
    for l, lw in enumerate(layers):
        for name, t in lw.items():
            part = "self_attn." if name in ("q_proj", "k_proj", "v_proj", "o_proj", "q_norm", "k_norm") else \
                "mlp." if name.endswith("_proj") else ""
            tensors[f"{model}layers.{l}.{part}{name}.weight"] = t
    if not tied:
        tensors["language_model.lm_head.weight" if style == "mm-old" else "lm_head.weight"] = W["lm_head"]
    cfg = dict(hidden_size=D, intermediate_size=F, num_hidden_layers=L, num_attention_heads=H,
               num_key_value_heads=Hkv, head_dim=hd, vocab_size=VOCAB, max_position_embeddings=512,
               rms_norm_eps=eps, query_pre_attn_scalar=qpas, sliding_window=window, rope_theta=theta,
               rope_local_base_freq=local_theta, hidden_activation="gelu_pytorch_tanh",
               attn_logit_softcapping=attn_softcap or None, final_logit_softcapping=final_softcap or None,
               tie_word_embeddings=tied, bos_token_id=BOS, eos_token_id=BOS, model_type="gemma3_text")
    if factor != 1.0:
        cfg["rope_scaling"] = {"rope_type": "linear", "factor": factor}
    if style == "text-pattern":
        cfg["sliding_window_pattern"] = pattern
    else:
        cfg["layer_types"] = ["sliding_attention" if x else "full_attention" for x in local]
    if style == "text-rope-parameters":
        full = {"rope_type": "linear", "factor": factor} if factor != 1.0 else {"rope_type": "default"}
        cfg["rope_parameters"] = {"full_attention": dict(full, rope_theta=theta),
                                  "sliding_attention": {"rope_type": "default", "rope_theta": local_theta}}
        for key in ("rope_theta", "rope_local_base_freq", "rope_scaling"):
            cfg.pop(key, None)
    if style.startswith("mm"):
        text = {k: v for k, v in cfg.items() if k not in ("bos_token_id", "eos_token_id", "tie_word_embeddings")}
        for key, default in (("rms_norm_eps", 1e-6), ("rope_theta", 1e6), ("rope_local_base_freq", 1e4)):
            if text.get(key) == default:
                del text[key]  # as save_pretrained writes a sub-config: only non-default values
        cfg = dict(model_type="gemma3", architectures=["Gemma3ForConditionalGeneration"], text_config=text,
                   bos_token_id=BOS, eos_token_id=BOS, tie_word_embeddings=tied)
    dir_.mkdir(parents=True)
    save_file(tensors, str(dir_ / "model.safetensors"), metadata={"format": "pt"})
    (dir_ / "config.json").write_text(json.dumps(cfg, indent=1))
    shutil.copy(GPT2_TOKENIZER / "tokenizer.json", dir_ / "tokenizer.json")
    spec = dict(D=D, H=H, Hkv=Hkv, hd=hd, L=L, eps=eps, window=window, local=local, theta=theta,
                local_theta=local_theta, factor=factor, qpas=qpas, attn_softcap=attn_softcap,
                final_softcap=final_softcap)
    to64 = lambda t: t.astype(np.float64)  # noqa: E731
    W64 = dict(embed=to64(W["embed"]), norm=to64(W["norm"]), lm_head=to64(W["lm_head"]),
               layers=[{k: to64(v) for k, v in lw.items()} for lw in layers])
    return dict(spec=spec, w=W64)


def compare_numpy(tmp_path, ref, lines):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    text = tmp_path / "lines.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "tokens.jsonl"
    run_lq("score", "--model", tmp_path / "ckpt", "--file", text, "--out", out, "--threads", 2)
    got = {(r["line"], r["pos"]): r for r in read_jsonl(out)}
    worst, n = 0.0, 0
    for li, line in enumerate(lines):
        ids = [BOS] + tok.encode(line, add_special_tokens=False).ids
        logp = numpy_logprobs(ref, ids)
        for pos in range(len(ids) - 1):
            rec = got.pop((li, pos))
            assert rec["id"] == ids[pos + 1]
            worst = max(worst, abs(rec["logprob"] - logp[pos, ids[pos + 1]]))
            n += 1
    assert not got, "langquant scored tokens the reference did not"
    return worst, n


NUMPY_SHAPES = {
    # Gemma3ForCausalLM layout, layer_types, GQA 4:2, head_dim 24 (not hidden / heads = 16).
    "text": dict(style="text"),
    # transformers 4.50's sliding_window_pattern; global layers with linear RoPE scaling (4B+).
    "text-pattern-linear-rope": dict(style="text-pattern", pattern=3, L=5, factor=8.0),
    # transformers 5's per-layer-type rope_parameters.
    "text-rope-parameters": dict(style="text-rope-parameters", factor=4.0),
    # Multimodal checkpoints: the language model's tensors and text_config.
    "multimodal-old-names": dict(style="mm-old"),
    "multimodal-new-names": dict(style="mm-new", tied=False),
    # Seams real Gemma 3 leaves unused: attention and final softcapping, an untied head, MHA.
    "softcaps-untied": dict(style="text", attn_softcap=2.0, final_softcap=3.0, tied=False, Hkv=4, qpas=32.0),
}


@pytest.mark.parametrize("shape", sorted(NUMPY_SHAPES))
def test_f32_matches_numpy_reference(tmp_path, lines, shape):
    ref = write_numpy_checkpoint(tmp_path / "ckpt", **NUMPY_SHAPES[shape])
    worst, n = compare_numpy(tmp_path, ref, lines)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_window_matters(tmp_path, lines):
    """The check can fail: the reference with every layer global differs from langquant's scores
    of the interleaved checkpoint by far more than the tolerance (so the window is exercised)."""
    ref = write_numpy_checkpoint(tmp_path / "ckpt")
    ref["spec"]["local"] = [False] * ref["spec"]["L"]
    worst, _ = compare_numpy(tmp_path, ref, lines)
    assert worst > 1e-2


def test_inspect_names_and_norm_convention(tmp_path):
    """Every tensor is mapped to GGUF's names; norms are marked 1 + w (GGUF's convention)."""
    write_numpy_checkpoint(tmp_path / "ckpt", L=2)
    j = inspect_json(tmp_path / "ckpt")
    assert j["architecture"] == "gemma3"
    assert j["unused_tensors"] == []
    by = {t["canonical"]: t for t in j["tensors"]}
    expect = {"model.layers.1.self_attn.q_norm.weight": "blk.1.attn_q_norm.weight",
              "model.layers.1.self_attn.k_norm.weight": "blk.1.attn_k_norm.weight",
              "model.layers.0.input_layernorm.weight": "blk.0.attn_norm.weight",
              "model.layers.0.post_attention_layernorm.weight": "blk.0.post_attention_norm.weight",
              "model.layers.0.pre_feedforward_layernorm.weight": "blk.0.ffn_norm.weight",
              "model.layers.0.post_feedforward_layernorm.weight": "blk.0.post_ffw_norm.weight",
              "model.layers.0.mlp.gate_proj.weight": "blk.0.ffn_gate.weight",
              "model.layers.0.self_attn.o_proj.weight": "blk.0.attn_output.weight",
              "model.norm.weight": "output_norm.weight",
              "model.embed_tokens.weight": "token_embd.weight"}
    for hf, canon in expect.items():
        assert by[canon]["hf_name"] == hf
    assert "output.weight" in by["token_embd.weight"]["roles"]


def test_bad_configs_name_the_key(tmp_path):
    write_numpy_checkpoint(tmp_path / "ckpt", L=2)
    cfg_path = tmp_path / "ckpt" / "config.json"
    good = json.loads(cfg_path.read_text())
    for key, value, word in (("layer_types", ["sliding_attention"], "layer_types"),
                             ("sliding_window", 0, "sliding_window"),
                             ("query_pre_attn_scalar", -1, "query_pre_attn_scalar"),
                             ("use_bidirectional_attention", True, "bidirectional")):
        cfg_path.write_text(json.dumps(dict(good, **{key: value})))
        proc = run_lq("inspect", tmp_path / "ckpt", check=False)
        assert proc.returncode != 0 and word in proc.stderr, (key, proc.stderr)


# ---- transformers reference -----------------------------------------------------------------

TRANSFORMERS_SHAPES = {
    # Gemma 3 270M's proportions scaled down: 1 kv head, head_dim 32 > hidden / heads.
    "270m-like": dict(num_attention_heads=4, num_key_value_heads=1, head_dim=32, query_pre_attn_scalar=32),
    # GQA 4:2, 5:1 pattern as released, linear RoPE scaling on global layers (4B and larger).
    "4b-like": dict(num_hidden_layers=6, sliding_window_pattern=6, rope_scaling={"rope_type": "linear", "factor": 8.0}),
    # query_pre_attn_scalar unlike head_dim (27B: hidden / heads).
    "27b-like-scalar": dict(query_pre_attn_scalar=40),
}


@needs_transformers_gemma3
@pytest.mark.parametrize("shape", sorted(TRANSFORMERS_SHAPES))
def test_f32_matches_transformers(tmp_path, lines, shape):
    from checkpoints import make_gemma3
    ref = make_gemma3(tmp_path / "ckpt", **TRANSFORMERS_SHAPES[shape])
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


@needs_transformers_gemma3
def test_bf16_weights(tmp_path, lines):
    """BF16 storage: norms become 1 + w in F32 at load, as Gemma3RMSNorm computes (1.0 + w.float())."""
    from checkpoints import make_gemma3
    ref = make_gemma3(tmp_path / "ckpt", dtype=torch.bfloat16)
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"bf16: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


@needs_transformers_gemma3
def test_transformers_checkpoint_maps_every_tensor(tmp_path):
    from checkpoints import make_gemma3
    make_gemma3(tmp_path / "ckpt")
    j = inspect_json(tmp_path / "ckpt")
    assert j["architecture"] == "gemma3" and j["unused_tensors"] == []
    assert sum(t["canonical"].endswith("attn_q_norm.weight") for t in j["tensors"]) == 4
