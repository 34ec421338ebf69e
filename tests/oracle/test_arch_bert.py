"""BERT (BertForMaskedLM) scored by pseudo-log-likelihood: for every token of a line (inside
[CLS] ... [SEP]) langquant's log p(token | line with that token masked) equals transformers'
(max |diff| <= 1e-4, F32), on a multilingual-BERT-shaped checkpoint with a WordPiece
tokenizer; BF16 storage; inspect's mapping (pooler / NSP head unused by design); plan show."""
import json

import pytest
import torch

from checkpoints import inspect_json, make_bert, make_wordpiece_tokenizer, multilingual_lines
from conftest import read_jsonl, run_lq


@pytest.fixture(scope="module")
def tokenizer_json(tmp_path_factory):
    path = tmp_path_factory.mktemp("wordpiece") / "tokenizer.json"
    make_wordpiece_tokenizer(path)
    return path


@pytest.fixture(scope="module")
def lines():
    return multilingual_lines()


def pll_reference(model, tok, lines):
    mask = tok.token_to_id("[MASK]")
    out = {}
    with torch.no_grad():
        for i, line in enumerate(lines):
            ids = tok.encode(line).ids  # [CLS] ... [SEP]
            n = len(ids) - 2
            if n <= 0:
                continue
            batch = torch.tensor([ids] * n)
            for k in range(n):
                batch[k, k + 1] = mask
            logp = torch.log_softmax(model(batch).logits.double(), dim=-1)
            for k in range(n):
                out[(i, k)] = (ids[k + 1], logp[k, k + 1, ids[k + 1]].item())
    return out


def compare(tmp_path, model_dir, ref, tokenizer_json, lines, batch_tokens=2048):
    from tokenizers import Tokenizer
    text = tmp_path / "lines.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "tokens.jsonl"
    run_lq("score", "--model", model_dir, "--file", text, "--out", out, "--threads", 2,
           "--batch-tokens", batch_tokens)
    got = read_jsonl(out)
    want = pll_reference(ref, Tokenizer.from_file(str(tokenizer_json)), lines)
    assert len(got) == len(want)
    worst = 0.0
    for rec in got:
        rid, rlp = want[(rec["line"], rec["pos"])]
        assert rec["id"] == rid
        worst = max(worst, abs(rec["logprob"] - rlp))
    return worst, len(got)


SHAPES = {
    "mbert": dict(),
    "wide": dict(hidden_size=96, num_attention_heads=6, intermediate_size=200, num_hidden_layers=3),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_pll_matches_transformers(tmp_path, tokenizer_json, lines, shape):
    ref = make_bert(tmp_path / "ckpt", tokenizer_json, **SHAPES[shape])
    worst, n = compare(tmp_path, tmp_path / "ckpt", ref, tokenizer_json, lines)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_small_batches_same_result(tmp_path, tokenizer_json, lines):
    ref = make_bert(tmp_path / "ckpt", tokenizer_json)
    worst, _ = compare(tmp_path, tmp_path / "ckpt", ref, tokenizer_json, lines, batch_tokens=50)
    assert worst <= 1e-4


def test_bf16_weights(tmp_path, tokenizer_json, lines):
    ref = make_bert(tmp_path / "ckpt", tokenizer_json, dtype=torch.bfloat16)
    worst, n = compare(tmp_path, tmp_path / "ckpt", ref, tokenizer_json, lines)
    print(f"bf16: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_inspect_and_plan_show(tmp_path, tokenizer_json):
    make_bert(tmp_path / "ckpt", tokenizer_json)
    j = inspect_json(tmp_path / "ckpt")
    assert j["architecture"] == "bert" and j["unused_tensors"] == []
    by = {t["canonical"]: t for t in j["tensors"]}
    assert by["token_types.weight"]["hf_name"] == "bert.embeddings.token_type_embeddings.weight"
    assert by["token_embd_norm.weight"]["component"] == "embeddings"
    assert by["blk.1.attn_q.weight"]["hf_name"] == "bert.encoder.layer.1.attention.self.query.weight"
    assert by["blk.1.attn_norm.weight"]["hf_name"] == "bert.encoder.layer.1.attention.output.LayerNorm.weight"
    assert by["blk.1.ffn_norm.bias"]["kind"] == "norm" and by["blk.1.ffn_norm.bias"]["component"] == "mlp"
    assert by["output.bias"]["hf_name"] == "cls.predictions.bias"
    assert by["output_transform.weight"]["component"] == "output"
    assert "output.weight" in by["token_embd.weight"]["roles"]
    plan = json.loads(run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt", "--json").stdout)
    assert {"blk.0.attn_q.weight", "blk.0.ffn_up.weight"} <= {t["canonical"] for t in plan["tensors"]}
    run_lq("plan", "show", "layer0", "--model", tmp_path / "ckpt")
