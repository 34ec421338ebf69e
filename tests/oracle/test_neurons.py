"""langquant neurons: activation probabilities per feed-forward unit and language equal numpy's on
the input of the down projection hooked in transformers (GPT-2 and a gated Llama), LAPE equals
numpy's entropy of the normalised probabilities, and the selection of language-specific units
follows the stated rule (quantile threshold, lowest-LAPE share, languages reaching it)."""
import json
import math

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

from checkpoints import make_gpt2, make_llama
from conftest import CORPORA, GPT2_TOKENIZER, run_lq

LANGS = ["en", "de", "ja", "ar"]
N_SENT = 3


def sentences(lang):
    lines = [l.rstrip("\r") for l in (CORPORA / "ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").split("\n")]
    return [l for l in lines if l.strip()][:N_SENT]


def reference(model_dir):
    """{lang: (rows, values [L, rows, n_ff])} of the down projection's input, from transformers."""
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    bos = model.config.bos_token_id
    downs = ([b.mlp.c_proj for b in model.transformer.h] if hasattr(model, "transformer")
             else [l.mlp.down_proj for l in model.model.layers])
    out = {}
    for lang in LANGS:
        per_layer = [[] for _ in downs]
        for s in sentences(lang):
            ids = [bos] + tok.encode(s, add_special_tokens=False).ids
            hooks = [d.register_forward_pre_hook(lambda m, a, l=l: per_layer[l].append(a[0][0].double().numpy()))
                     for l, d in enumerate(downs)]
            with torch.no_grad():
                model(torch.tensor([ids]))
            for h in hooks:
                h.remove()
        out[lang] = np.stack([np.concatenate(v) for v in per_layer])
    return out


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_probabilities_lape_and_selection(tmp_path, arch):
    d = tmp_path / arch
    if arch == "gpt2":
        make_gpt2(d, n_layer=2, n_embd=64, n_head=4, initializer_range=0.2)
    else:
        make_llama(d, num_hidden_layers=2, initializer_range=0.2)
    out = tmp_path / "n.json"
    run_lq("neurons", "--model", d, "--corpus", CORPORA / "ud-pud", "--langs", ",".join(LANGS), "--sentences", N_SENT,
           "--share", 0.05, "--batch-tokens", 60, "--threads", 2, "--quiet", "--out", out)
    j = json.loads(out.read_text())
    assert j["schema_version"] == 1
    ref = reference(d)
    langs = [la["lang"] for la in j["languages"]]
    assert sorted(langs) == sorted(LANGS)
    P = np.array([la["probability"] for la in j["languages"]])  # [lang, L, n_ff]
    for i, la in enumerate(j["languages"]):
        vals = ref[la["lang"]]
        assert la["rows"] == vals.shape[1]
        want = (vals > 0).mean(axis=1)
        # Exact counts, except units whose value sits within rounding of 0 in some row.
        near = (np.abs(vals) < 1e-5).any(axis=1)
        assert np.array_equal(P[i][~near], want[~near]), la["lang"]
        assert np.abs(P[i] - want).max() <= 2.0 / la["rows"]
    # LAPE from numpy on the reported probabilities.
    for layer in range(P.shape[1]):
        for u in range(P.shape[2]):
            p = P[:, layer, u]
            got = j["lape"][layer][u]
            if p.sum() == 0:
                assert got is None
            else:
                q = p / p.sum()
                assert got == pytest.approx(-np.sum(q[q > 0] * np.log(q[q > 0])), abs=1e-9)
    # The selection: numpy's quantile, candidates, the lowest-LAPE share, languages at the threshold.
    t = np.quantile(P.ravel(), 0.95)
    assert j["threshold"] == pytest.approx(t, abs=1e-12)
    flat = [(layer, u) for layer in range(P.shape[1]) for u in range(P.shape[2]) if P[:, layer, u].max() >= t]
    assert j["candidates"] == len(flat)
    flat.sort(key=lambda lu: j["lape"][lu[0]][lu[1]])  # stable: index order on ties
    k = math.ceil(0.05 * len(flat))
    assert [(s["layer"], s["unit"]) for s in j["specific"]] == flat[:k]
    for s in j["specific"]:
        assert s["langs"] == [langs[i] for i in range(len(langs)) if P[i, s["layer"], s["unit"]] >= t]
    assert k > 0 and len({len(s["langs"]) for s in j["specific"]}) >= 1
    assert P.std() > 0.01  # not vacuous


def test_bad_input(tmp_path):
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=1, n_embd=32, n_head=2)
    out = tmp_path / "n.json"
    p = run_lq("neurons", "--model", d, "--corpus", tmp_path / "nosuch", "--out", out, check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists()


def test_neuron_plan_keeps_whole_units(tmp_path):
    """top=K% by=neurons:FILE:LANGS keeps exactly the rows of gate/up and the columns of down of the
    units the documented ranking puts first (recomputed here from the neurons file), at fp16; every
    other weight is what the base alone gives. A neurons sweep axis matches its baselines' overhead."""
    from safetensors.numpy import load_file
    d = tmp_path / "llama"
    make_llama(d, num_hidden_layers=2, initializer_range=0.2)
    n = tmp_path / "n.json"
    run_lq("neurons", "--model", d, "--corpus", CORPORA / "ud-pud", "--langs", ",".join(LANGS), "--sentences", N_SENT,
           "--batch-tokens", 60, "--threads", 2, "--quiet", "--out", n)
    j = json.loads(n.read_text())
    langs = [la["lang"] for la in j["languages"]]
    P = np.array([la["probability"] for la in j["languages"]])
    best = P[[langs.index("ar"), langs.index("ja")]].max(axis=0)
    n_layer, n_ff = j["n_layer"], j["n_ff"]
    k = math.ceil(0.03 * n_ff)

    def key(layer, u):
        lape = j["lape"][layer][u]
        return (best[layer, u] < j["threshold"], lape is None, lape or 0.0, u)

    kept = [set(sorted(range(n_ff), key=lambda u: key(layer, u))[:k]) for layer in range(n_layer)]
    assert any(best[layer, u] >= j["threshold"] for layer in range(n_layer) for u in kept[layer])

    run_lq("plan", "apply", f"base=int4; keep fp16 top=3% by=neurons:{n}:ar,ja", "--model", d, "--out", tmp_path / "p")
    run_lq("plan", "apply", "base=int4", "--model", d, "--out", tmp_path / "b")
    orig, plan, base = (load_file(str(x / "model.safetensors")) for x in (d, tmp_path / "p", tmp_path / "b"))
    for name, w in orig.items():
        got, want = plan[name], base[name].copy()
        for layer in range(n_layer):
            units = sorted(kept[layer])
            if name in (f"model.layers.{layer}.mlp.gate_proj.weight", f"model.layers.{layer}.mlp.up_proj.weight"):
                want[units, :] = w[units, :].astype(np.float16).astype(np.float32)
            elif name == f"model.layers.{layer}.mlp.down_proj.weight":
                want[:, units] = w[:, units].astype(np.float16).astype(np.float32)
        assert np.array_equal(got, want), name

    exp = tmp_path / "exp.toml"
    exp.write_text(f'[[axis]]\ntype = "neurons"\nfile = "{n}"\nlangs = ["ar,ja"]\npercents = [3]\nseeds = [0]\n')
    out, corpus = tmp_path / "s.json", tmp_path / "corpus"
    corpus.mkdir()
    for lang in ("en", "ar"):
        (corpus / f"{lang}.txt").write_text("\n".join(sentences(lang)) + "\n", encoding="utf-8")
    run_lq("sweep", "--model", d, "--corpus", corpus,
           "--experiment", exp, "--db", tmp_path / "s.sqlite", "--out", out, "--threads", 2, "--quiet")
    plans = {p["name"]: p for p in json.loads(out.read_text())["plans"]}
    params = sum(w.size for w in orig.values())
    ffn = 3 * n_layer * k * 64  # three ffn matrices a layer, k units of hidden size 64 each
    assert plans["neurons-3-ar+ja"]["overhead"] == pytest.approx(ffn / params, rel=1e-12)
    assert plans["ffn-magnitude-3"]["overhead"] == plans["neurons-3-ar+ja"]["overhead"]
    assert plans["ffn-random-3-seed0"]["overhead"] == plans["neurons-3-ar+ja"]["overhead"]
