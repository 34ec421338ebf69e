"""BLOOM: langquant's per-token log-probabilities equal transformers' (max |diff| <= 1e-4, F32)
with ALiBi for power-of-two and other head counts (6, 12 heads: build_alibi_tensor's extra
slopes), the embedding LayerNorm, per-head fused query_key_value, bloom_gelu, tied head; BF16
storage; inspect's mapping; plan show."""
import json

import pytest
import torch

from checkpoints import compare_causal, inspect_json, make_bloom, multilingual_lines
from conftest import run_lq

SHAPES = {
    "bloom-560m": dict(hidden_size=64, n_head=4, n_layer=2),  # bloom-560m: 16 heads, scaled down
    "six-heads": dict(hidden_size=96, n_head=6, n_layer=2),
    "twelve-heads": dict(hidden_size=96, n_head=12, n_layer=3),
}


@pytest.fixture(scope="module")
def lines():
    return multilingual_lines()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_f32_matches_transformers(tmp_path, lines, shape):
    ref = make_bloom(tmp_path / "ckpt", **SHAPES[shape])
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_bf16_weights(tmp_path, lines):
    ref = make_bloom(tmp_path / "ckpt", dtype=torch.bfloat16, **SHAPES["six-heads"])
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"bf16: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_inspect_and_plan_show(tmp_path):
    make_bloom(tmp_path / "ckpt", **SHAPES["six-heads"])
    j = inspect_json(tmp_path / "ckpt")
    assert j["architecture"] == "bloom" and j["unused_tensors"] == []
    by = {t["canonical"]: t for t in j["tensors"]}
    assert by["token_embd_norm.weight"]["hf_name"] == "transformer.word_embeddings_layernorm.weight"
    assert by["token_embd_norm.weight"]["component"] == "embeddings" and by["token_embd_norm.weight"]["kind"] == "norm"
    assert by["blk.0.attn_qkv.weight"]["hf_name"] == "transformer.h.0.self_attention.query_key_value.weight"
    assert "output.weight" in by["token_embd.weight"]["roles"]
    assert "position_embd.weight" not in by
    plan = json.loads(run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt", "--json").stdout)
    assert {"blk.0.attn_qkv.weight", "blk.0.ffn_up.weight"} <= {t["canonical"] for t in plan["tensors"]}
    run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt")
