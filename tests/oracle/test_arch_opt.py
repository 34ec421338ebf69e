"""OPT: langquant's per-token log-probabilities equal transformers' (max |diff| <= 1e-4, F32) on
checkpoints shaped like opt-125m (pre-LN, ReLU, tied head) and opt-350m (post-LN blocks, no
final norm, project_in / project_out because word_embed_proj_dim != hidden_size); BF16 storage;
inspect's mapping; plan show."""
import json

import pytest
import torch

from checkpoints import compare_causal, inspect_json, make_opt, multilingual_lines
from conftest import run_lq

SHAPES = {
    "opt-125m": dict(),
    "opt-350m": dict(hidden_size=96, word_embed_proj_dim=48, do_layer_norm_before=False, num_attention_heads=6,
                     ffn_dim=384, num_hidden_layers=3),
    "opt-wide": dict(hidden_size=128, num_attention_heads=8, word_embed_proj_dim=128, ffn_dim=512),
}


@pytest.fixture(scope="module")
def lines():
    return multilingual_lines()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_f32_matches_transformers(tmp_path, lines, shape):
    ref = make_opt(tmp_path / "ckpt", **SHAPES[shape])
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


@pytest.mark.parametrize("shape", ["opt-125m", "opt-350m"])
def test_bf16_weights(tmp_path, lines, shape):
    ref = make_opt(tmp_path / "ckpt", dtype=torch.bfloat16, **SHAPES[shape])
    worst, n = compare_causal(tmp_path, tmp_path / "ckpt", ref, lines)
    print(f"bf16 {shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_inspect_and_plan_show(tmp_path):
    make_opt(tmp_path / "ckpt", **SHAPES["opt-350m"])
    j = inspect_json(tmp_path / "ckpt")
    assert j["architecture"] == "opt" and j["unused_tensors"] == []
    by = {t["canonical"]: t for t in j["tensors"]}
    assert by["position_embd.weight"]["shape"] == [512 + 2, 96]
    assert by["token_embd_proj.weight"]["hf_name"] == "model.decoder.project_in.weight"
    assert by["token_embd_proj.weight"]["component"] == "embeddings"
    assert by["output_proj.weight"]["hf_name"] == "model.decoder.project_out.weight"
    assert by["output_proj.weight"]["component"] == "output"
    assert "output.weight" in by["token_embd.weight"]["roles"]
    assert "output_norm.weight" not in by  # post-LN OPT has no final norm
    assert by["blk.2.attn_q.bias"]["hf_name"] == "model.decoder.layers.2.self_attn.q_proj.bias"
    assert by["blk.2.attn_q.bias"]["component"] == "attention" and by["blk.2.attn_q.bias"]["kind"] == "bias"
    assert by["blk.0.ffn_norm.weight"]["hf_name"] == "model.decoder.layers.0.final_layer_norm.weight"
    assert by["blk.0.ffn_norm.weight"]["kind"] == "norm"
    plan = json.loads(run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt", "--json").stdout)
    assert {"blk.0.attn_k.weight", "blk.0.ffn_up.weight"} <= {t["canonical"] for t in plan["tensors"]}
    run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt")
