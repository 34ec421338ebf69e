"""Llama family (llama, mistral, qwen2): langquant's per-token log-probabilities on random-weight
checkpoints made by transformers equal transformers' own on multilingual text (max |diff| <= 1e-4,
F32 compute), across the features real checkpoints use: grouped-query attention, Mistral's sliding window, explicit
head_dim, rope_theta, rope_scaling linear / dynamic / llama3, Qwen2's q/k/v biases, tied and
untied heads, BF16 storage. Also: inspect maps every tensor, plan show resolves on each."""
import pytest
import torch

from checkpoints import compare_causal, inspect_json, make_llama, make_mistral, make_qwen2, multilingual_lines
from conftest import run_lq

LLAMA3_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                  "original_max_position_embeddings": 8192}

# Shapes of the real models, scaled down (layers, width), keeping their special flags.
SHAPES = {
    # Llama-2: MHA, rope_theta 10^4, untied head.
    "llama2": (make_llama, dict()),
    # Llama-3.1: GQA 4:1, rope_theta 5e5, llama3 frequency scaling; head_dim 16 so every band
    # of the llama3 rule (kept, smoothed, divided) occurs.
    "llama3": (make_llama, dict(hidden_size=128, num_attention_heads=8, num_key_value_heads=2,
                                intermediate_size=344, rope_theta=500000.0, rope_scaling=LLAMA3_SCALING)),
    # head_dim given explicitly and different from hidden / heads.
    "llama-head-dim": (make_llama, dict(num_attention_heads=4, num_key_value_heads=2, head_dim=24)),
    "llama-linear-rope": (make_llama, dict(rope_scaling={"type": "linear", "factor": 4.0})),
    "llama-attention-bias": (make_llama, dict(attention_bias=True, mlp_bias=True, num_hidden_layers=3)),
    # Mistral: GQA 8 heads : 2 kv heads, untied.
    "mistral": (make_mistral, dict()),
    # A window shorter than the test sentences, so the sliding mask matters.
    "mistral-sliding-window": (make_mistral, dict(sliding_window=5)),
    # Qwen2: q/k/v biases, tied head, rope_theta 1e6.
    "qwen2": (make_qwen2, dict()),
    "qwen2-untied": (make_qwen2, dict(tie_word_embeddings=False, num_hidden_layers=3)),
}


@pytest.fixture(scope="module")
def lines():
    return multilingual_lines()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_f32_matches_transformers(tmp_path, lines, shape):
    make, cfg = SHAPES[shape]
    ref = make(tmp_path / "ckpt", **cfg)
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_dynamic_ntk_rope(tmp_path, lines):
    """Dynamic NTK scaling: sequences past max_position_embeddings get a larger base (per
    sequence). transformers' rotary module is stateful (it keeps the largest base seen), so the
    reference resets it before each line."""
    ref = make_llama(tmp_path / "ckpt", max_position_embeddings=64,
                     rope_scaling={"type": "dynamic", "factor": 8.0})

    def reset(model):
        rot = model.model.rotary_emb
        rot.register_buffer("inv_freq", rot.original_inv_freq, persistent=False)
        rot.max_seq_len_cached = rot.original_max_seq_len

    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines, before_line=reset)
    print(f"dynamic: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


@pytest.mark.parametrize("make", [make_llama, make_qwen2])
def test_bf16_weights(tmp_path, lines, make):
    ref = make(tmp_path / "ckpt", dtype=torch.bfloat16)
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"bf16 {make.__name__}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_thread_count_does_not_change_results(tmp_path, lines):
    ref = make_mistral(tmp_path / "ckpt")
    w1, _ = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines, threads=1)
    w2, _ = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines, threads=2)
    assert w1 <= 1e-4 and w2 <= 1e-4


@pytest.mark.parametrize("make,tied", [(make_llama, False), (make_qwen2, True)])
def test_inspect_maps_every_tensor(tmp_path, make, tied):
    make(tmp_path / "ckpt", num_hidden_layers=2)
    j = inspect_json(tmp_path / "ckpt")
    assert j["architecture"] == "llama"
    assert j["unused_tensors"] == []
    by = {t["canonical"]: t for t in j["tensors"]}
    expect = {"model.layers.1.self_attn.q_proj.weight": ("blk.1.attn_q.weight", "attention", "weight"),
              "model.layers.1.self_attn.k_proj.weight": ("blk.1.attn_k.weight", "attention", "weight"),
              "model.layers.1.self_attn.v_proj.weight": ("blk.1.attn_v.weight", "attention", "weight"),
              "model.layers.1.self_attn.o_proj.weight": ("blk.1.attn_output.weight", "attention", "weight"),
              "model.layers.0.mlp.gate_proj.weight": ("blk.0.ffn_gate.weight", "mlp", "weight"),
              "model.layers.0.mlp.up_proj.weight": ("blk.0.ffn_up.weight", "mlp", "weight"),
              "model.layers.0.mlp.down_proj.weight": ("blk.0.ffn_down.weight", "mlp", "weight"),
              "model.layers.0.input_layernorm.weight": ("blk.0.attn_norm.weight", "attention", "norm"),
              "model.layers.0.post_attention_layernorm.weight": ("blk.0.ffn_norm.weight", "mlp", "norm"),
              "model.norm.weight": ("output_norm.weight", "output", "norm"),
              "model.embed_tokens.weight": ("token_embd.weight", "embeddings", "weight")}
    if make is make_qwen2:
        expect["model.layers.0.self_attn.q_proj.bias"] = ("blk.0.attn_q.bias", "attention", "bias")
    for hf, (canon, comp, kind) in expect.items():
        assert by[canon]["hf_name"] == hf and by[canon]["component"] == comp and by[canon]["kind"] == kind
    if tied:
        assert "output.weight" in by["token_embd.weight"]["roles"]
    else:
        assert by["output.weight"]["hf_name"] == "lm_head.weight" and by["output.weight"]["component"] == "output"


def test_plan_show_layer0(tmp_path):
    make_mistral(tmp_path / "ckpt")
    import json
    j = json.loads(run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt", "--json").stdout)
    names = {t["canonical"] for t in j["tensors"]}
    assert {"blk.0.attn_q.weight", "blk.0.ffn_gate.weight", "output.weight"} <= names
    run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt")


def test_init_writes_a_llama_transformers_loads(tmp_path, lines):
    """`langquant init --arch llama` writes a checkpoint that transformers loads with no missing or
    unused weights, and both score it identically (the 7B benchmark's checkpoints come from it)."""
    from conftest import GPT2_TOKENIZER
    from transformers import LlamaForCausalLM
    ckpt = tmp_path / "init"
    run_lq("init", "--arch", "llama", "--out", ckpt, "--tokenizer", GPT2_TOKENIZER / "tokenizer.json",
           "--layers", 2, "--hidden", 64, "--heads", 4, "--kv-heads", 2, "--ffn", 160, "--untied",
           "--dtype", "bf16", "--std", 0.1)
    ref, info = LlamaForCausalLM.from_pretrained(ckpt, torch_dtype=torch.float32, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert ref.config.num_key_value_heads == 2 and not ref.config.tie_word_embeddings
    worst, _ = compare_causal(tmp_path, ckpt, ref.eval(), lines)
    assert worst <= 1e-4
