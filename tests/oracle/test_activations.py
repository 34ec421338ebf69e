"""langquant activations: the block outputs its observer sees match transformers'
(output_hidden_states=True, and forward hooks for the last block, whose hidden_states entry has
the final norm applied) for a tiny GPT-2 and a tiny Llama within 1e-4; every statistic matches
numpy/scipy on those same states; with --plan the per-layer relative L2 change matches
transformers run on the checkpoint `plan apply` writes for that plan."""
import json

import numpy as np
import pytest
import torch
from scipy import stats as sps
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

from checkpoints import make_gpt2, make_llama
from conftest import CORPORA, GPT2_TOKENIZER, run_lq

LANGS = ["en", "de", "ja"]
N_SENT = 3


def sentences(lang):
    lines = [l.rstrip("\r") for l in (CORPORA / "ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").split("\n")]
    return [l for l in lines if l.strip()][:N_SENT]


def blocks_of(model):
    for path in ("transformer.h", "model.layers", "model.decoder.layers", "gpt_neox.layers"):
        obj = model
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
            return obj
        except AttributeError:
            continue
    raise AssertionError(f"no blocks found in {type(model).__name__}")


def block_outputs(model, ids):
    """[layer] -> [rows, dim] block outputs of one sentence, from transformers."""
    blocks = blocks_of(model)
    got = {}
    hooks = [b.register_forward_hook(lambda m, i, o, l=l: got.__setitem__(l, o[0][0].double().numpy()))
             for l, b in enumerate(blocks)]
    with torch.no_grad():
        hs = model(torch.tensor([ids]), output_hidden_states=True).hidden_states
    for h in hooks:
        h.remove()
    L = len(blocks)
    for l in range(L - 1):  # hidden_states[l + 1] is block l's output, except the last (normed)
        assert np.array_equal(hs[l + 1][0].double().numpy(), got[l])
    return [got[l] for l in range(L)]


def reference_states(model_dir):
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    bos = model.config.bos_token_id
    out = {}
    for lang in LANGS:
        per = [block_outputs(model, [bos] + tok.encode(s, add_special_tokens=False).ids) for s in sentences(lang)]
        out[lang] = [np.concatenate([p[l] for p in per]) for l in range(len(per[0]))]
    return out


def run_activations(model_dir, tmp_path, *extra):
    out, dump = tmp_path / "a.json", tmp_path / "dump"
    run_lq("activations", "--model", model_dir, "--corpus", CORPORA / "ud-pud", "--langs", ",".join(LANGS),
           "--sentences", N_SENT, "--out", out, "--dump-hidden", dump, "--massive-factor", 6, "--top", 4,
           "--critical-share", 0.67, "--batch-tokens", 40, "--threads", 2, "--quiet", *extra)
    return json.loads(out.read_text()), dump


def check_stats(j, dump, dim, n_layer):
    for la in j["languages"]:
        lang = la["lang"]
        assert la["sentences"] == N_SENT
        means = []
        for r in la["layers"]:
            h = np.fromfile(dump / f"{lang}.L{r['layer']}.f32", dtype="<f4").reshape(-1, dim)
            x = h.astype(np.float64).ravel()
            a = np.abs(x)
            assert r["n"] == x.size and la["rows"] == h.shape[0]
            assert r["rms"] == pytest.approx(np.sqrt(np.mean(x * x)), rel=1e-12)
            assert r["mean_abs"] == pytest.approx(a.mean(), rel=1e-12)
            assert r["max_abs"] == a.max()
            assert r["kurtosis"] == pytest.approx(sps.kurtosis(x), rel=1e-9, abs=1e-9)
            med = np.sort(a)[(a.size - 1) // 2]
            assert r["median_abs"] == med
            massive = a > 6 * med
            assert r["massive"] == int(massive.sum())
            # The listed ones: the largest massive |h|, with their sentence, position and channel.
            idx = np.argsort(-a, kind="stable")[: min(4, int(massive.sum()))]
            starts = np.cumsum([0] + la_rows_per_sentence(lang))
            want = []
            for i in idx:
                row, ch = divmod(int(i), dim)
                s = int(np.searchsorted(starts, row, side="right") - 1)
                want.append((s, row - starts[s], ch, float(h.ravel()[i])))
            got = [(m["sentence"], m["position"], m["channel"], m["value"]) for m in r["massive_top"]]
            assert sorted(got, key=lambda t: -abs(t[3])) == got
            assert sorted(got) == sorted(want)
            means.append(a.mean())
        order = sorted(range(n_layer), key=lambda l: (-means[l], l))
        assert la["critical_layers"] == order[: max(1, round(0.67 * n_layer))]


def la_rows_per_sentence(lang):
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    return [1 + len(tok.encode(s, add_special_tokens=False).ids) for s in sentences(lang)]


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_hidden_states_and_stats(tmp_path, arch):
    d = tmp_path / arch
    if arch == "gpt2":
        make_gpt2(d, n_layer=3, n_embd=64, n_head=4)
    else:
        make_llama(d, num_hidden_layers=3)
    j, dump = run_activations(d, tmp_path)
    ref = reference_states(d)
    for lang in LANGS:
        for l, want in enumerate(ref[lang]):
            got = np.fromfile(dump / f"{lang}.L{l}.f32", dtype="<f4").reshape(want.shape)
            assert np.max(np.abs(got - want)) < 1e-4 * max(1.0, np.abs(want).max()), (arch, lang, l)
    check_stats(j, dump, 64, 3)
    assert any(r["massive"] > 0 for la in j["languages"] for r in la["layers"])  # the check was not vacuous
    assert all(r["plan_rel_error"] is None for la in j["languages"] for r in la["layers"])


@pytest.mark.parametrize("arch", ["opt", "gpt_neox", "bloom"])
def test_observer_in_other_architectures(tmp_path, arch):
    """The one-line observer hook of the remaining causal architectures (block outputs only)."""
    import checkpoints
    d = tmp_path / arch
    getattr(checkpoints, f"make_{arch}")(d, num_hidden_layers=2) if arch != "bloom" else checkpoints.make_bloom(d, n_layer=2)
    _, dump = run_activations(d, tmp_path)
    ref = reference_states(d)
    for lang in LANGS:
        for l, want in enumerate(ref[lang]):
            got = np.fromfile(dump / f"{lang}.L{l}.f32", dtype="<f4").reshape(want.shape)
            assert np.max(np.abs(got - want)) < 1e-4 * max(1.0, np.abs(want).max()), (arch, lang, l)


def test_plan_change_matches_transformers(tmp_path):
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=3, n_embd=64, n_head=4)
    plan = "base=int4; keep fp16 layers=0"
    j, _ = run_activations(d, tmp_path, "--plan", plan)
    applied = tmp_path / "applied"
    run_lq("plan", "apply", plan, "--model", d, "--out", applied)
    fp, q = reference_states(d), reference_states(applied)
    for la in j["languages"]:
        for r in la["layers"]:
            a, b = fp[la["lang"]][r["layer"]], q[la["lang"]][r["layer"]]
            want = np.sqrt(np.sum((b - a) ** 2) / np.sum(a ** 2))
            assert r["plan_rel_error"] == pytest.approx(want, rel=1e-3), (la["lang"], r["layer"])
            assert r["plan_rel_error"] > 0


def test_bad_input(tmp_path):
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=1, n_embd=32, n_head=2)
    out = tmp_path / "a.json"
    p = run_lq("activations", "--model", d, "--corpus", tmp_path / "nosuch", "--out", out, check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists()
    p = run_lq("activations", "--model", d, "--corpus", CORPORA / "ud-pud", "--langs", "en", "--plan",
               "base=int99", "--out", out, check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists()
