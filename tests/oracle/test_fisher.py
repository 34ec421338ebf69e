"""`langquant fisher`, `langquant overlap` and the plan selector top=K% by=fisher:... against
independent references:

* Fisher: on a tiny GPT-2 (transformers), for each sentence PyTorch computes the gradient of
  model(ids, labels=ids).loss (the mean NLL of [BOS] + sentence) and the reference is the mean of
  the squared gradients over the sentences; groups are means of languages, "max" the max over
  languages of F / mean(F). Summaries are checked against sums of the reference.
* overlap: numpy ranks |w| and the Fisher scores itself (exact count ceil(k n), ties to the
  lower index) and counts the intersection per tensor and pooled.
* plan apply with base=int4 and keep fp32 top=K% by=fisher: the weights left bit-identical to
  the original are exactly numpy's top-K% by Fisher (plus at most the few weights that int4
  reproduces exactly)."""
import json
import math

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from checkpoints import make_gpt2, make_llama, inspect_json
from conftest import CORPORA, run_lq

LANGS = {"en": 4, "ar": 3, "zh": 3}
CTX = 64  # short enough that some sentences are cut


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fisher")
    ref = make_gpt2(tmp / "ckpt", n_layer=1, n_embd=32, n_head=2, n_positions=CTX, seed=3)
    corpus = tmp / "corpus"
    corpus.mkdir()
    sentences = {}
    for lang, n in LANGS.items():
        lines = (CORPORA / "ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").split("\n")[:n]
        sentences[lang] = lines
        (corpus / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp / "f.safetensors"
    run_lq("fisher", "--model", tmp / "ckpt", "--corpus", corpus, "--group", "lr=ar,zh", "--out", out,
           "--threads", "1", "--quiet")
    tensors = {t["canonical"]: t for t in inspect_json(tmp / "ckpt")["tensors"]}
    return {"tmp": tmp, "ref": ref, "sentences": sentences, "file": out, "ours": load_file(str(out)),
            "summary": json.loads((tmp / "f.json").read_text()), "tensors": tensors}


def logical(t, array):
    """Model tensor as langquant's logical [out, in] order (Conv1D weights are stored [in, out])."""
    return array.T if t["layout"] == "in,out" and array.ndim == 2 else array


@pytest.fixture(scope="module")
def reference(setup):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(setup["tmp"] / "ckpt"))
    model = setup["ref"]
    params = dict(model.named_parameters())
    fisher = {}
    for lang, lines in setup["sentences"].items():
        acc = {n: torch.zeros_like(p, dtype=torch.float64) for n, p in params.items()}
        for line in lines:
            ids = torch.tensor([([50256] + tok.encode(line))[:CTX]])  # langquant cuts to the context too
            model.zero_grad()
            model(ids, labels=ids).loss.backward()
            for n, p in params.items():
                acc[n] += p.grad.double() ** 2
        fisher[lang] = {}
        for canonical, t in setup["tensors"].items():
            name = t["hf_name"] if t["hf_name"] in acc else "transformer." + t["hf_name"]
            fisher[lang][canonical] = logical(t, (acc[name] / len(lines)).numpy())
    return fisher


def assert_close(ours, ref, what):
    scale = float(np.max(np.abs(ref))) or 1.0
    err = float(np.max(np.abs(ours.astype(np.float64) - ref))) / scale
    assert ours.shape == ref.shape, what
    assert err < 1e-5, f"{what}: max error {err:.2e} of the largest value"


def model_mean(fisher_set):
    total = sum(float(v.sum()) for v in fisher_set.values())
    return total / sum(v.size for v in fisher_set.values())


def test_fisher_matches_torch_squared_gradients(setup, reference):
    ours = setup["ours"]
    for lang, per_tensor in reference.items():
        for canonical, ref in per_tensor.items():
            assert_close(ours[f"{lang}/{canonical}"], ref, f"{lang}/{canonical}")
    # The tied embedding collects the gradients of both roles (input and output); it is large.
    assert np.max(ours["en/token_embd.weight"]) > 0


def test_groups_and_max(setup, reference):
    ours = setup["ours"]
    means = {lang: model_mean(reference[lang]) for lang in LANGS}
    for canonical in setup["tensors"]:
        group = (reference["ar"][canonical] + reference["zh"][canonical]) / 2
        assert_close(ours[f"group:lr/{canonical}"], group, f"group:lr/{canonical}")
        mx = np.max([reference[l][canonical] / means[l] for l in LANGS], axis=0)
        assert_close(ours[f"max/{canonical}"], mx, f"max/{canonical}")


def test_summary_json(setup, reference):
    sets = {s["set"]: s for s in setup["summary"]["sets"]}
    assert set(sets) == {"en", "ar", "zh", "group:lr", "max"}
    for lang, n in LANGS.items():
        s = sets[lang]
        assert s["sequences"] == n
        total = sum(float(v.sum()) for v in reference[lang].values())
        assert math.isclose(s["total"], total, rel_tol=1e-3)
        for t in s["tensors"]:
            assert math.isclose(t["sum"], float(reference[lang][t["tensor"]].sum()), rel_tol=1e-3, abs_tol=1e-12)
        assert math.isclose(sum(l["share"] for l in s["layers"]), 1.0, rel_tol=1e-9)
        assert math.isclose(sum(t["share"] for t in s["tensors"]), 1.0, rel_tol=1e-9)


def numpy_top(score, k):
    """Flat indices of exactly ceil(k% n) largest scores, ties to the lower index."""
    n = score.size
    count = min(n, max(0, math.ceil(k / 100 * n - 1e-9)))
    order = np.lexsort((np.arange(n), -score.ravel()))
    return set(order[:count].tolist())


def fisher_scores(setup, sets):
    """Per tensor: max over sets of F_set / mean(F_set), computed as langquant documents it."""
    ours = setup["ours"]
    out = {}
    for s in sets:
        names = [k for k in ours if k.startswith(s + "/")]
        total = sum(float(ours[k].astype(np.float64).sum()) for k in names)
        inv = sum(ours[k].size for k in names) / total
        for canonical in setup["tensors"]:
            v = (ours[f"{s}/{canonical}"].astype(np.float64) * inv).astype(np.float32)
            out[canonical] = np.maximum(out[canonical], v) if canonical in out else v
    return out


def weights_logical(setup, tmp_dir=None):
    w = load_file(str((tmp_dir or setup["tmp"] / "ckpt") / "model.safetensors"))
    out = {}
    for canonical, t in setup["tensors"].items():
        out[canonical] = logical(t, w[t["hf_name"]])
    return out


@pytest.mark.parametrize("sets", ["ar,zh", "en"])
def test_overlap_matches_numpy(setup, sets):
    out = setup["tmp"] / f"overlap-{sets}.json"
    run_lq("overlap", "--model", setup["tmp"] / "ckpt", "--fisher", setup["file"], "--sets", sets,
           "-k", "1,5,20", "--out", out)
    got = json.loads(out.read_text())["results"]
    scores, weights = fisher_scores(setup, sets.split(",")), weights_logical(setup)
    for res, k in zip(got, [1, 5, 20]):
        sel = both = 0
        per = {t["tensor"]: t for t in res["tensors"]}
        for canonical, t in setup["tensors"].items():
            if t["kind"] != "weight":
                assert canonical not in per
                continue
            top_f = numpy_top(scores[canonical], k)
            top_w = numpy_top(np.abs(weights[canonical]).astype(np.float32), k)
            assert per[canonical]["selected"] == len(top_f)
            assert per[canonical]["also_magnitude"] == len(top_f & top_w), (k, canonical)
            sel, both = sel + len(top_f), both + len(top_f & top_w)
        assert res["selected"] == sel and res["also_magnitude"] == both
        assert math.isclose(res["fraction"], both / sel)


def test_plan_keeps_top_fisher_weights(setup):
    plan = f"base=int4; keep fp32 top=5% by=fisher:{setup['file']}:ar,zh"
    out = setup["tmp"] / "applied"
    run_lq("plan", "apply", plan, "--model", setup["tmp"] / "ckpt", "--out", out)
    scores = fisher_scores(setup, ["ar", "zh"])
    before, after = weights_logical(setup), weights_logical(setup, out)
    for canonical, t in setup["tensors"].items():
        if t["kind"] != "weight":  # constant LayerNorm weights can be exact on the int4 grid
            continue
        expected = numpy_top(scores[canonical], 5)
        same = set(np.flatnonzero(before[canonical].ravel() == after[canonical].ravel()).tolist())
        assert expected <= same, canonical
        assert len(same - expected) <= 2, canonical  # e.g. the absmax weight, exact in int4


def test_bad_inputs(setup, tmp_path):
    bad = run_lq("overlap", "--model", setup["tmp"] / "ckpt", "--fisher", setup["file"], "--sets", "xx",
                 check=False)
    assert bad.returncode != 0 and "xx" in bad.stderr and len(bad.stderr.strip().split("\n")) == 1
    bad = run_lq("plan", "show", "base=int4; keep fp16 random=1% by=fisher:f.safetensors",
                 "--model", setup["tmp"] / "ckpt", check=False)
    assert bad.returncode != 0 and "by= needs top=" in bad.stderr
    out = tmp_path / "f.safetensors"
    bad = run_lq("fisher", "--model", setup["tmp"] / "ckpt", "--corpus", CORPORA / "ud-pud", "--langs", "en",
                 "--group", "lr=xx", "--out", out, check=False)
    assert bad.returncode != 0 and "xx" in bad.stderr and not out.exists()
    make_llama(tmp_path / "llama", hidden_size=16, intermediate_size=32, num_attention_heads=2)
    bad = run_lq("fisher", "--model", tmp_path / "llama", "--corpus", CORPORA / "ud-pud", "--langs", "en",
                 "--out", out, check=False)
    assert bad.returncode != 0 and "GPT-2" in bad.stderr and not out.exists()
    assert len(bad.stderr.strip().split("\n")) == 1
