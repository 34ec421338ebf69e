"""langquant's per-token log-probabilities on GPT-2 checkpoints made by transformers equal
transformers' own, on multilingual text: max |difference| <= 1e-4 (F32 compute)."""
import math

import pytest
import torch
from tokenizers import Tokenizer

from transformers import GPT2LMHeadModel

from checkpoints import make_gpt2
from conftest import CORPORA, GPT2_TOKENIZER, read_jsonl, run_lq

LANGS = [("ud-pud", "en"), ("ud-pud", "de"), ("ud-pud", "ru"), ("ud-pud", "zh"), ("ud-pud", "ar"),
         ("ud-pud", "hi"), ("ud-pud", "ja"), ("ud-mono", "he"), ("ud-mono", "el")]


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    lines = []
    for folder, lang in LANGS:
        with open(CORPORA / folder / f"{lang}.txt", encoding="utf-8") as f:
            lines += [next(f).rstrip("\n") for _ in range(3)]
    path = tmp_path_factory.mktemp("text") / "multilingual.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, lines


def reference_logprobs(model, lines):
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    bos = model.config.bos_token_id
    out = {}
    with torch.no_grad():
        for i, line in enumerate(lines):
            ids = [bos] + tok.encode(line, add_special_tokens=False).ids
            logits = model(torch.tensor([ids])).logits[0].double()
            logp = torch.log_softmax(logits, dim=-1)
            for pos in range(len(ids) - 1):
                out[(i, pos)] = (ids[pos + 1], logp[pos, ids[pos + 1]].item())
    return out


def compare(tmp_path, model_dir, ref_model, text, threads=2):
    path, lines = text
    out = tmp_path / "tokens.jsonl"
    run_lq("score", "--model", model_dir, "--file", path, "--out", out, "--threads", threads)
    got = read_jsonl(out)
    ref = reference_logprobs(ref_model, lines)
    assert len(got) == len(ref), "langquant scored a different number of tokens"
    worst = 0.0
    for rec in got:
        rid, rlp = ref[(rec["line"], rec["pos"])]
        assert rec["id"] == rid
        worst = max(worst, abs(rec["logprob"] - rlp))
    return worst, len(got)


SHAPES = {
    "tiny": dict(n_layer=2, n_embd=64, n_head=4),
    "wide-heads": dict(n_layer=3, n_embd=96, n_head=6, n_inner=200, initializer_range=0.1),
    "inverse-layer-scale": dict(n_layer=2, n_embd=64, n_head=2, scale_attn_by_inverse_layer_idx=True,
                                layer_norm_epsilon=1e-3, initializer_range=0.08),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_f32_matches_transformers(tmp_path, text_file, shape):
    make_gpt2(tmp_path / "ckpt", **SHAPES[shape])
    # Eager attention: the SDPA path of transformers 4.51 ignores scale_attn_by_inverse_layer_idx
    # (the default), so only the eager one computes what the config says.
    ref = GPT2LMHeadModel.from_pretrained(tmp_path / "ckpt", torch_dtype=torch.float32,
                                          attn_implementation="eager").eval()
    worst, n = compare(tmp_path, tmp_path / "ckpt", ref, text_file)
    print(f"{shape}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_weights(tmp_path, text_file, dtype):
    # Reference: transformers computing in float32 from the same stored half-precision weights.
    ref = make_gpt2(tmp_path / "ckpt", n_layer=2, n_embd=64, n_head=4, initializer_range=0.05, dtype=dtype)
    worst, n = compare(tmp_path, tmp_path / "ckpt", ref, text_file)
    print(f"{dtype}: {n} tokens, max |dlogprob| = {worst:.2e}")
    assert worst <= 1e-4


def test_sharded_checkpoint(tmp_path, text_file):
    ref = make_gpt2(tmp_path / "ckpt", n_layer=3, n_embd=64, n_head=4, max_shard_size="2MB")
    assert (tmp_path / "ckpt" / "model.safetensors.index.json").exists()
    worst, _ = compare(tmp_path, tmp_path / "ckpt", ref, text_file)
    assert worst <= 1e-4


def test_thread_count_does_not_change_results(tmp_path, text_file):
    ref = make_gpt2(tmp_path / "ckpt", n_layer=2, n_embd=64, n_head=4)
    w1, _ = compare(tmp_path, tmp_path / "ckpt", ref, text_file, threads=1)
    w2, _ = compare(tmp_path, tmp_path / "ckpt", ref, text_file, threads=2)
    assert w1 <= 1e-4 and w2 <= 1e-4


def test_eval_totals_match_score(tmp_path, text_file):
    """eval's per-language NLL/ppl/bpb are the sums of the per-token log-probabilities."""
    ref = make_gpt2(tmp_path / "ckpt", n_layer=2, n_embd=64, n_head=4)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path, lines = text_file
    (corpus / "xx.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_lq("eval", "--model", tmp_path / "ckpt", "--corpus", corpus, "--out", tmp_path / "r.json", "--bootstrap", 200)
    import json
    res = json.loads((tmp_path / "r.json").read_text())
    lang = res["languages"][0]
    ref_lp = reference_logprobs(ref, lines)
    nll = -sum(lp for _, lp in ref_lp.values())
    nbytes = sum(len(l.encode("utf-8")) for l in lines)
    assert lang["tokens"] == len(ref_lp)
    assert lang["bytes"] == nbytes
    assert lang["chars"] == sum(len(l) for l in lines)
    assert abs(lang["nll_total"] - nll) <= 1e-4 * len(ref_lp)
    assert math.isclose(lang["ppl"], math.exp(nll / len(ref_lp)), rel_tol=1e-5)
    assert math.isclose(lang["bpb"], nll / (nbytes * math.log(2)), rel_tol=1e-5)
    assert lang["ppl_lo"] <= lang["ppl"] <= lang["ppl_hi"]
    assert (tmp_path / "r.md").exists()


@pytest.mark.parametrize("dtype", ["f32", "bf16"])
def test_init_writes_a_checkpoint_transformers_loads(tmp_path, text_file, dtype):
    """`langquant init` writes config.json + model.safetensors that transformers loads, and both
    score it identically."""
    from transformers import GPT2LMHeadModel
    ckpt = tmp_path / "init"
    run_lq("init", "--out", ckpt, "--tokenizer", GPT2_TOKENIZER / "tokenizer.json", "--layers", 2,
           "--hidden", 48, "--heads", 3, "--context", 512, "--dtype", dtype, "--std", 0.1, "--seed", 7)
    ref = GPT2LMHeadModel.from_pretrained(ckpt, torch_dtype=torch.float32).eval()
    sd = ref.state_dict()
    assert torch.all(sd["transformer.h.0.ln_1.weight"] == 1) and torch.all(sd["transformer.h.0.ln_1.bias"] == 0)
    assert abs(sd["transformer.h.1.mlp.c_fc.weight"].std().item() - 0.1) < 0.01
    worst, _ = compare(tmp_path, ckpt, ref, text_file)
    assert worst <= 1e-4
