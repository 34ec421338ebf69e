"""langquant patch: the restore and inject shares equal an independent activation patching done
with PyTorch forward hooks on transformers' GPT-2: the full-precision checkpoint and the one
`plan apply` writes for the plan, with block inputs (resid.K), attention outputs (attn.K), MLP
outputs (mlp.K) or both (block.K) copied from one run into the other. Bad input: one line, exit
1, no output."""
import json

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

from checkpoints import make_gpt2
from conftest import CORPORA, GPT2_TOKENIZER, run_lq

LANGS = ["en", "ar"]
N_SENT = 3
PLAN = "base=int4"
PATCHES = ["resid.0", "attn.0", "mlp.1", "block.0", "resid.1", "resid.2", "attn.1+mlp.0"]


def sentences(lang):
    lines = [l.rstrip("\r") for l in (CORPORA / "ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").split("\n")]
    return [l for l in lines if l.strip()][:N_SENT]


def load(d):
    return AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float32).eval()


def sites(model):
    """(component kind, layer) -> (module, 'input' or 'output') in GPT-2."""
    t = model.transformer
    out = {("resid", len(t.h)): (t.ln_f, "input")}
    for l, b in enumerate(t.h):
        out[("resid", l)] = (b, "input")
        out[("attn", l)] = (b.attn, "output")
        out[("mlp", l)] = (b.mlp, "output")
    return out


def components(patch):
    out = []
    for part in patch.split("+"):
        kind, layer = part.split(".")
        out += [("attn", int(layer)), ("mlp", int(layer))] if kind == "block" else [(kind, int(layer))]
    return out


def run(model, ids, record=None, replace=None):
    """NLL (nats, summed over positions 1..) of one sentence; records or replaces activations."""
    hooks = []
    for key, (module, where) in sites(model).items():
        if where == "input":
            def pre(m, args, kwargs, key=key):
                h = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
                if record is not None:
                    record[key] = h.detach().clone()
                if replace and key in replace:
                    if "hidden_states" in kwargs:
                        kwargs["hidden_states"] = replace[key]
                    else:
                        args = (replace[key],) + tuple(args[1:])
                    return args, kwargs
            hooks.append(module.register_forward_pre_hook(pre, with_kwargs=True))
        else:
            def post(m, inputs, output, key=key):
                first = output[0] if isinstance(output, tuple) else output
                if record is not None:
                    record[key] = first.detach().clone()
                if replace and key in replace:
                    return (replace[key],) + tuple(output[1:]) if isinstance(output, tuple) else replace[key]
            hooks.append(module.register_forward_hook(post))
    try:
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double()
    finally:
        for h in hooks:
            h.remove()
    logp = torch.log_softmax(logits, dim=-1)
    return -float(sum(logp[i - 1, ids[i]] for i in range(1, len(ids))))


def test_shares_match_pytorch_hooks(tmp_path):
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=2, n_embd=64, n_head=4, initializer_range=0.1)
    applied = tmp_path / "applied"
    run_lq("plan", "apply", PLAN, "--model", d, "--out", applied)
    out = tmp_path / "p.json"
    args = ["patch", "--model", d, "--corpus", CORPORA / "ud-pud", "--langs", ",".join(LANGS), "--sentences", N_SENT,
            "--plan", PLAN, "--bootstrap", 0, "--batch-tokens", 50, "--threads", 2, "--quiet", "--out", out]
    for p in PATCHES:
        args += ["--patch", p]
    run_lq(*args)
    j = json.loads(out.read_text())
    assert j["schema_version"] == 1

    fp, q = load(d), load(applied)
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    bos = fp.config.bos_token_id
    for la in j["languages"]:
        if la["lang"] == "all":
            continue
        tot = {"fp": 0.0, "plan": 0.0, "tokens": 0}
        runs = {}
        for s in sentences(la["lang"]):
            ids = [bos] + tok.encode(s, add_special_tokens=False).ids
            rec_fp, rec_q = {}, {}
            tot["fp"] += run(fp, ids, record=rec_fp)
            tot["plan"] += run(q, ids, record=rec_q)
            tot["tokens"] += len(ids) - 1
            for p in PATCHES:
                keys = components(p)
                r = run(q, ids, replace={k: rec_fp[k] for k in keys})
                i = run(fp, ids, replace={k: rec_q[k] for k in keys})
                runs[("restore", p)] = runs.get(("restore", p), 0.0) + r
                runs[("inject", p)] = runs.get(("inject", p), 0.0) + i
        delta = tot["plan"] - tot["fp"]
        assert delta > 0
        assert la["nll_fp"] == pytest.approx(tot["fp"] / tot["tokens"], rel=1e-4)
        assert la["delta_nll"] == pytest.approx(delta / tot["tokens"], rel=1e-3)
        for r in la["runs"]:
            got = runs[(r["direction"], r["patch"])]
            want = (tot["plan"] - got) / delta if r["direction"] == "restore" else (got - tot["fp"]) / delta
            assert r["nll"] == pytest.approx(got / tot["tokens"], rel=1e-4), (la["lang"], r)
            assert r["share"] == pytest.approx(want, abs=2e-3), (la["lang"], r)
        # Not vacuous: the patches recover different shares.
        shares = [r["share"] for r in la["runs"]]
        assert max(shares) - min(shares) > 0.1


def test_bad_input(tmp_path):
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=1, n_embd=32, n_head=2)
    out = tmp_path / "p.json"
    for bad in (["--patch", "block.1"], ["--patch", "heads.0:5"], ["--direction", "sideways"], ["--plan", "base=int99"]):
        plan = [] if "--plan" in bad else ["--plan", "base=int4"]
        args = ["patch", "--model", d, "--corpus", CORPORA / "ud-pud", "--langs", "en", "--sentences", 1,
                "--out", out, *plan, *bad]
        p = run_lq(*args, check=False)
        assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists(), (bad, p.stderr)
