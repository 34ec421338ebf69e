"""GPT-NeoX / Pythia: langquant's per-token log-probabilities equal transformers' (max |diff| <=
1e-4, F32) with parallel residual on (pythia) and off, partial rotary (rotary_pct 0.25 and 1.0),
rotary_emb_base, the per-head fused query_key_value, an untied embed_out; BF16 storage;
inspect's mapping (no unused tensors but buffers); plan show."""
import json

import pytest
import torch

from checkpoints import compare_causal, inspect_json, make_gpt_neox, multilingual_lines
from conftest import run_lq

SHAPES = {
    "pythia-160m": dict(),  # parallel residual, rotary_pct 0.25
    "sequential-residual": dict(use_parallel_residual=False, num_hidden_layers=3),
    "full-rotary": dict(rotary_pct=1.0, rotary_emb_base=20000, hidden_size=96, num_attention_heads=6,
                        intermediate_size=200),
    "rotary-half-tied": dict(rotary_pct=0.5, tie_word_embeddings=True),
}


@pytest.fixture(scope="module")
def lines():
    return multilingual_lines()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_f32_matches_transformers(tmp_path, lines, shape):
    ref = make_gpt_neox(tmp_path / "ckpt", **SHAPES[shape])
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_bf16_weights(tmp_path, lines):
    ref = make_gpt_neox(tmp_path / "ckpt", dtype=torch.bfloat16)
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"bf16: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_inspect_and_plan_show(tmp_path):
    make_gpt_neox(tmp_path / "ckpt")
    j = inspect_json(tmp_path / "ckpt")
    assert j["architecture"] == "gpt_neox" and j["unused_tensors"] == []
    by = {t["canonical"]: t for t in j["tensors"]}
    assert by["blk.1.attn_qkv.weight"]["hf_name"] == "gpt_neox.layers.1.attention.query_key_value.weight"
    assert by["blk.1.attn_qkv.weight"]["shape"] == [192, 64]
    assert by["blk.1.attn_qkv.bias"]["component"] == "attention"
    assert by["output.weight"]["hf_name"] == "embed_out.weight" and by["output.weight"]["component"] == "output"
    assert by["output_norm.weight"]["hf_name"] == "gpt_neox.final_layer_norm.weight"
    assert by["blk.0.ffn_up.weight"]["hf_name"] == "gpt_neox.layers.0.mlp.dense_h_to_4h.weight"
    plan = json.loads(run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt", "--json").stdout)
    assert {"blk.0.attn_qkv.weight", "blk.0.ffn_down.weight"} <= {t["canonical"] for t in plan["tensors"]}
    run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt")
