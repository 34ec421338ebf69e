"""langquant sinks: per head and language, the first-token share and the secondary-sink share equal
the same statistics computed with numpy from transformers' output_attentions (eager attention) on a
tiny GPT-2 and a tiny Llama, within 1e-5; with --plan, the plan's shares equal transformers' on the
checkpoint `plan apply` writes for that plan, and each head's outlier ratio equals numpy's."""
import json

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

from checkpoints import make_gpt2, make_llama
from conftest import CORPORA, GPT2_TOKENIZER, run_lq

LANGS = ["en", "de", "ja"]
N_SENT = 3
# Random models attend almost uniformly; a low threshold makes some keys secondary sinks, so the
# "other" share is tested on non-zero values.
THRESHOLD = 0.06


def sentences(lang):
    lines = [l.rstrip("\r") for l in (CORPORA / "ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").split("\n")]
    return [l for l in lines if l.strip()][:N_SENT]


def reference(model_dir):
    """{lang: (first[L, H], other[L, H])} from transformers' attention weights, in float64."""
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    bos = model.config.bos_token_id
    out = {}
    for lang in LANGS:
        first = other = None
        queries = 0
        for s in sentences(lang):
            ids = [bos] + tok.encode(s, add_special_tokens=False).ids
            n = len(ids)
            with torch.no_grad():
                att = model(torch.tensor([ids]), output_attentions=True).attentions
            p = np.stack([a[0].double().numpy() for a in att])  # [L, H, n, n]
            if first is None:
                first = np.zeros(p.shape[:2])
                other = np.zeros(p.shape[:2])
            first += p[:, :, 1:, 0].sum(axis=2)
            # Key j (1 <= j < n - 1) is a secondary sink when the later queries give it on average
            # at least THRESHOLD of their attention.
            received = np.stack([p[:, :, j + 1:, j].mean(axis=2) for j in range(1, n - 1)], axis=2)  # [L, H, n-2]
            sink = received >= THRESHOLD
            for i in range(2, n):
                other += (p[:, :, i, 1:i] * sink[:, :, :i - 1]).sum(axis=2)
            queries += n - 1
        out[lang] = (first / queries, other / queries)
    return out


def run_sinks(model_dir, tmp_path, *extra):
    out = tmp_path / "s.json"
    run_lq("sinks", "--model", model_dir, "--corpus", CORPORA / "ud-pud", "--langs", ",".join(LANGS),
           "--sentences", N_SENT, "--threshold", THRESHOLD, "--batch-tokens", 60, "--threads", 2, "--quiet",
           "--out", out, "--bootstrap", 50, *extra)
    return json.loads(out.read_text())


def check(j, ref, first_key, other_key):
    for la in j["languages"]:
        first, other = ref[la["lang"]]
        for h in la["heads"]:
            assert h[first_key] == pytest.approx(first[h["layer"], h["head"]], abs=1e-5), (la["lang"], h)
            assert h[other_key] == pytest.approx(other[h["layer"], h["head"]], abs=1e-5), (la["lang"], h)
    # Not vacuous: some heads have secondary sinks, and shares differ between heads.
    assert any(h[other_key] > 0.01 for la in j["languages"] for h in la["heads"])
    firsts = [h[first_key] for la in j["languages"] for h in la["heads"]]
    assert max(firsts) - min(firsts) > 0.01


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_shares_match_transformers(tmp_path, arch):
    d = tmp_path / arch
    if arch == "gpt2":
        make_gpt2(d, n_layer=2, n_embd=64, n_head=4, initializer_range=0.2)
    else:
        make_llama(d, num_hidden_layers=2, num_key_value_heads=2, initializer_range=0.2)
    j = run_sinks(d, tmp_path)
    assert j["schema_version"] == 1 and j["plan"] is None
    check(j, reference(d), "first", "other")
    # Outlier ratio of every head from the checkpoint's own tensors.
    model = AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float32)
    sd = {k: v.double().numpy() for k, v in model.state_dict().items()}
    cfg = model.config
    for h in j["heads"]:
        l, k = h["layer"], h["head"]
        if arch == "gpt2":
            D = cfg.n_embd
            hd = D // cfg.n_head
            w = sd[f"transformer.h.{l}.attn.c_attn.weight"].T  # Conv1D [in, out] -> [out, in]
            parts = [w[s * D + k * hd:s * D + (k + 1) * hd] for s in range(3)]
            o = sd[f"transformer.h.{l}.attn.c_proj.weight"].T[:, k * hd:(k + 1) * hd]
        else:
            hd = cfg.hidden_size // cfg.num_attention_heads
            kv = k // (cfg.num_attention_heads // cfg.num_key_value_heads)
            p = f"model.layers.{l}.self_attn."
            parts = [sd[p + "q_proj.weight"][k * hd:(k + 1) * hd], sd[p + "k_proj.weight"][kv * hd:(kv + 1) * hd],
                     sd[p + "v_proj.weight"][kv * hd:(kv + 1) * hd]]
            o = sd[p + "o_proj.weight"][:, k * hd:(k + 1) * hd]
        v = np.concatenate([x.ravel() for x in parts + [o]])
        assert h["outlier_ratio"] == pytest.approx(np.abs(v).max() / np.sqrt(np.mean(v ** 2)), rel=1e-5)


def test_plan_shares_match_transformers(tmp_path):
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=2, n_embd=64, n_head=4, initializer_range=0.2)
    plan = "base=int4; keep fp16 layers=0"
    j = run_sinks(d, tmp_path, "--plan", plan)
    applied = tmp_path / "applied"
    run_lq("plan", "apply", plan, "--model", d, "--out", applied)
    check(j, reference(applied), "first_plan", "other_plan")
    assert any(abs(h["first_plan"] - h["first"]) > 1e-4 for la in j["languages"] for h in la["heads"])
    assert all(la["delta_nll"] is not None for la in j["languages"])
    assert [(c["over"], c["spearman"]["n"]) for c in j["correlations"]] == [
        ("heads", 8), ("heads", 8), ("languages", 3), ("languages", 3)]


def test_bad_input(tmp_path):
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=1, n_embd=32, n_head=2)
    out = tmp_path / "s.json"
    p = run_lq("sinks", "--model", d, "--corpus", tmp_path / "nosuch", "--out", out, check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists()
    p = run_lq("sinks", "--model", d, "--corpus", CORPORA / "ud-pud", "--langs", "en", "--plan", "base=int99",
               "--out", out, check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists()
