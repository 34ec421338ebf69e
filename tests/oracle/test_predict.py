"""`langquant predict`: per-layer criticality from a layers sweep against pre-quantization
statistics.

* End to end on a tiny GPT-2: `stats` + `sweep --recipe per-layer-mlp` + `predict`; every
  predictor's Pearson and Spearman r equal scipy's on vectors rebuilt in Python from the stats and
  sweep JSON (criticality = mean objective of the layer plans - objective, since per-layer-mlp has
  no base-only plan), the top-k overlap equals a Python recount, and each bootstrap interval and
  permutation p-value is well formed. The MLP-only predictors (mlp.variance, ...) equal scipy's
  moments of the concatenated MLP weight matrices of each layer.
* A synthetic sweep with a base-only plan: criticality = objective(none) - objective(plan), an
  unstable lr_disparity plan is skipped.
* Bad input: one-line error naming the file, non-zero exit, no output file.
"""
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from checkpoints import make_gpt2
from conftest import run_lq

LANGS = ["en", "de", "fr", "hi"]
N_SENT = 4
N_LAYER = 5
TOP_K = 2


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    d = tmp_path_factory.mktemp("predict")
    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    corpus = d / "corpus"
    corpus.mkdir()
    for lang in LANGS:
        lines = [l for l in (sample / f"{lang}.txt").read_text(encoding="utf-8").splitlines() if l.strip()]
        (corpus / f"{lang}.txt").write_text("\n".join(lines[:N_SENT]) + "\n", encoding="utf-8")
    model = d / "model"
    make_gpt2(model, n_layer=N_LAYER, n_embd=64, n_head=4, initializer_range=0.2, seed=7)
    run_lq("stats", "--model", model, "--format", "int4", "--out", d / "stats.json", "--quiet")
    run_lq("sweep", "--model", model, "--corpus", corpus, "--recipe", "per-layer-mlp", "--db", d / "s.sqlite",
           "--out", d / "sweep.json", "--group", "lr=de,fr,hi", "--bootstrap", "50", "--threads", "2", "--quiet")
    run_lq("activations", "--model", model, "--corpus", corpus, "--sentences", N_SENT, "--out", d / "act.json",
           "--threads", "2", "--quiet")
    return d


def mlp_reference(model_dir, stats):
    """Per layer, the MLP weight matrices (c_fc, c_proj) pooled: moments by scipy on the weights
    themselves; the quantization error pooled from the stats JSON's per-tensor quant_mse."""
    from safetensors.numpy import load_file
    w = load_file(str(model_dir / "model.safetensors"))
    out = {}
    for i in range(N_LAYER):
        names = [k for k in w if k.endswith(f"h.{i}.mlp.c_fc.weight") or k.endswith(f"h.{i}.mlp.c_proj.weight")]
        assert len(names) == 2, names
        v = np.concatenate([w[k].astype(np.float64).ravel() for k in names])
        ts = [t for t in stats["tensors"] if t["layer"] == i and t["component"] == "mlp" and t["kind"] == "weight"]
        assert sum(t["n"] for t in ts) == v.size
        sq = sum(t["n"] * t["quant_mse"] for t in ts)
        out[i] = {"variance": v.var(), "skewness": sps.skew(v), "kurtosis": sps.kurtosis(v),
                  "max_abs": np.abs(v).max(), "quant_mse": sq / v.size, "quant_rel_error": np.sqrt(sq / (v * v).sum())}
    return out


def tensor_reference(model_dir, stats):
    """Per block tensor role (GGUF name) and layer, scipy's moments of that one weight matrix, and
    its quantization error from the stats JSON's quant_mse."""
    from safetensors.numpy import load_file
    w = load_file(str(model_dir / "model.safetensors"))
    out = {}
    for t in stats["tensors"]:
        parts = t["name"].split(".")
        if t["kind"] != "weight" or parts[0] != "blk" or len(parts) != 4:
            continue
        v = w[t["hf_name"]].astype(np.float64).ravel()
        out.setdefault(parts[2], {})[int(parts[1])] = {
            "variance": v.var(), "skewness": sps.skew(v), "kurtosis": sps.kurtosis(v), "max_abs": np.abs(v).max(),
            "quant_mse": t["quant_mse"], "quant_rel_error": np.sqrt(t["quant_mse"] * v.size / (v * v).sum())}
    return out


def top_k(v, k, direction):
    # Highest direction*v first, ties by lower index (a stable sort on the negated key).
    return list(np.argsort(-direction * np.asarray(v), kind="stable")[:k])


def check_predictor(p, x, y):
    assert p["values"] == pytest.approx(x, rel=1e-12)
    assert p["pearson"]["r"] == pytest.approx(sps.pearsonr(x, y)[0], abs=1e-10)
    rho = sps.spearmanr(x, y)[0]
    assert p["spearman"]["r"] == pytest.approx(rho, abs=1e-10)
    direction = -1 if rho < 0 else 1
    assert p["direction"] == direction
    k = min(TOP_K, len(x))
    assert p["top_k_overlap"] == len(set(top_k(x, k, direction)) & set(top_k(y, k, 1)))
    for c in (p["pearson"], p["spearman"]):
        assert c["lo"] <= c["r"] + 1e-12 and c["r"] <= c["hi"] + 1e-12
        assert 1 / 201 <= c["p_value"] <= 1


@pytest.mark.parametrize("objective", ["kl", "delta_bpb_gap"])
def test_predict_matches_scipy(e2e, objective):
    d = e2e
    out, md = d / f"p-{objective}.json", d / f"p-{objective}.md"
    proc = run_lq("predict", "--stats", d / "stats.json", "--sweep", d / "sweep.json", "--objective", objective,
                  "--top-k", TOP_K, "--bootstrap", "200", "--permutations", "200", "--out", out, "--md", md)
    assert "| predictor |" in proc.stdout and proc.stdout == md.read_text()
    j = json.loads(out.read_text())
    sweep = json.loads((d / "sweep.json").read_text())
    stats = json.loads((d / "stats.json").read_text())
    assert len(j["analyses"]) == 1
    a = j["analyses"][0]
    assert a["component"] == "mlp" and a["baseline"] is None

    # Criticality from the sweep JSON: the lr group row of each plan tagged with one layer.
    obj = {}
    for p in sweep["plans"]:
        t = p["tags"]
        if t.get("axis") == "layers" and "layer" in t:
            row = next(g for g in sweep["groups"] if g["plan"] == p["name"] and g["group"] == "lr")
            obj[t["layer"]] = row[objective]
    assert sorted(obj) == list(range(N_LAYER))
    mean = np.mean(list(obj.values()))
    crit = {l: mean - v for l, v in obj.items()}
    assert [x["layer"] for x in a["layers"]] == list(range(N_LAYER))
    for x in a["layers"]:
        assert x["criticality"] == pytest.approx(crit[x["layer"]], abs=1e-12)

    names = [p["name"] for p in a["predictors"]]
    assert {"variance", "kurtosis", "max_abs", "outliers_3sigma", "top_1pct_share", "quant_rel_error"} <= set(names)
    assert {"mlp.variance", "mlp.kurtosis", "mlp.max_abs", "mlp.quant_rel_error"} <= set(names)
    mlp = mlp_reference(d / "model", stats)
    per_tensor = tensor_reference(d / "model", stats)
    assert {"ffn_up.variance", "ffn_down.kurtosis", "attn_qkv.max_abs", "attn_output.quant_rel_error"} <= set(names)
    for p in a["predictors"]:
        role, _, field = p["name"].partition(".")
        if p["name"].startswith("mlp."):
            layers = list(range(N_LAYER))
            x = [mlp[i][p["name"][4:]] for i in layers]
            assert p["values"] == pytest.approx(x, rel=1e-9, abs=1e-12), p["name"]
        elif role in per_tensor:
            layers = list(range(N_LAYER))
            x = [per_tensor[role][i][field] for i in layers]
            assert p["values"] == pytest.approx(x, rel=1e-9, abs=1e-12), p["name"]
        else:
            layers = [l["layer"] for l in stats["layers"] if l.get(p["name"]) is not None]
            x = [next(l[p["name"]] for l in stats["layers"] if l["layer"] == i) for i in layers]
        assert p["layers"] == layers
        y = [crit[i] for i in layers]
        if np.ptp(x) == 0:
            assert p["spearman"]["r"] is None and p["top_k_overlap"] is None
            continue
        check_predictor(p, x, y)
    # Sorted by |Spearman| descending, undefined last.
    rhos = [abs(p["spearman"]["r"]) if p["spearman"]["r"] is not None else -1 for p in a["predictors"]]
    assert rhos == sorted(rhos, reverse=True)
    # The ranking printed for the best predictor is its full order in its direction.
    best = a["predictors"][0]
    assert best["ranking"] == [best["layers"][i] for i in top_k(best["values"], len(best["values"]), best["direction"])]
    assert "Layer ranking by " + best["name"] in proc.stdout


def synthetic_sweep(path):
    plans = [{"name": "full-precision", "plan": "checkpoint as stored", "tags": {"axis": "reference"}},
             {"name": "none", "plan": "base=int4", "tags": {"axis": "plans", "plan": "none"}}]
    groups = [{"plan": "none", "group": "lr", "lr_disparity": 4.0, "lr_disparity_unstable": False}]
    disp = [3.0, 1.0, None, 3.5, 2.0]
    for l, v in enumerate(disp):
        plans.append({"name": f"L{l}", "plan": f"base=int4; keep fp16 layers={l}",
                      "tags": {"axis": "layers", "mode": "single", "layers": [l], "component": "", "layer": l}})
        groups.append({"plan": f"L{l}", "group": "lr", "lr_disparity": v, "lr_disparity_unstable": v is None})
    path.write_text(json.dumps({"plans": plans, "groups": groups}))
    return disp


def test_base_only_plan_and_unstable(tmp_path):
    disp = synthetic_sweep(tmp_path / "sweep.json")
    var = [0.5, 2.0, 9.0, 0.1, 1.0]
    (tmp_path / "stats.json").write_text(json.dumps({"layers": [{"layer": l, "variance": v} for l, v in enumerate(var)]}))
    run_lq("predict", "--stats", tmp_path / "stats.json", "--sweep", tmp_path / "sweep.json", "--top-k", TOP_K,
           "--out", tmp_path / "p.json", "--bootstrap", "100", "--permutations", "200")
    a = json.loads((tmp_path / "p.json").read_text())["analyses"][0]
    assert a["baseline"] == "none" and a["baseline_objective"] == 4.0 and a["skipped"] == ["L2"]
    layers = [0, 1, 3, 4]
    crit = [4.0 - disp[l] for l in layers]  # 1, 3, 0.5, 2
    assert [x["criticality"] for x in a["layers"]] == crit
    (p,) = a["predictors"]
    check_predictor(p, [var[l] for l in layers], crit)


def test_bad_input(tmp_path):
    synthetic_sweep(tmp_path / "sweep.json")
    (tmp_path / "stats.json").write_text(json.dumps({"tensors": []}))
    (tmp_path / "broken.json").write_text("{")
    out = tmp_path / "p.json"
    cases = [(["--stats", tmp_path / "stats.json", "--sweep", tmp_path / "sweep.json"], "stats.json"),
             (["--stats", tmp_path / "broken.json", "--sweep", tmp_path / "sweep.json"], "broken.json"),
             (["--stats", tmp_path / "stats.json", "--sweep", tmp_path / "nosuch.json"], "nosuch.json"),
             (["--stats", tmp_path / "stats.json", "--sweep", tmp_path / "stats.json"], "stats.json")]
    for args, name in cases:
        proc = run_lq("predict", *args, "--out", out, check=False)
        assert proc.returncode != 0
        assert name in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert not out.exists()


def test_activation_predictors(e2e):
    """act_* predictors: per layer the mean over languages of the activations JSON's figure."""
    d = e2e
    run_lq("predict", "--stats", d / "stats.json", "--sweep", d / "sweep.json", "--activations", d / "act.json",
           "--objective", "kl", "--top-k", TOP_K, "--bootstrap", "100", "--permutations", "200", "--out", d / "pa.json")
    a = json.loads((d / "pa.json").read_text())["analyses"][0]
    act = json.loads((d / "act.json").read_text())
    crit = {x["layer"]: x["criticality"] for x in a["layers"]}
    preds = {p["name"]: p for p in a["predictors"]}
    assert {"act_rms", "act_max_abs", "act_kurtosis"} <= set(preds)
    for field in ["rms", "max_abs", "kurtosis"]:
        p = preds["act_" + field]
        layers = sorted(crit)
        x = [np.mean([next(l[field] for l in lang["layers"] if l["layer"] == i) for lang in act["languages"]])
             for i in layers]
        assert p["layers"] == layers
        check_predictor(p, x, [crit[i] for i in layers])


# ---- several models: pooled within models, leave one model out -------------------------------

def synthetic_model(d, crit, stats_fields):
    """A sweep whose layer plans give `crit` as criticality (base 'none' = 10) and a stats JSON."""
    d.mkdir()
    plans = [{"name": "full-precision", "plan": "checkpoint as stored", "tags": {"axis": "reference"}},
             {"name": "none", "plan": "base=int4", "tags": {"axis": "plans", "plan": "none"}}]
    groups = [{"plan": "none", "group": "lr", "lr_disparity": 10.0, "lr_disparity_unstable": False}]
    for l, c in enumerate(crit):
        plans.append({"name": f"L{l}", "plan": f"base=int4; keep fp16 layers={l}",
                      "tags": {"axis": "layers", "mode": "single", "layers": [l], "component": "", "layer": l}})
        groups.append({"plan": f"L{l}", "group": "lr", "lr_disparity": 10.0 - c, "lr_disparity_unstable": False})
    (d / "sweep.json").write_text(json.dumps({"plans": plans, "groups": groups}))
    layers = [{"layer": l, **{k: v[l] for k, v in stats_fields.items()}} for l in range(len(crit))]
    (d / "stats.json").write_text(json.dumps({"layers": layers, "tensors": []}))


def within_ranks(values, groups):
    out = np.empty(len(values))
    for g in np.unique(groups):
        r = sps.rankdata(values[groups == g])
        out[groups == g] = r - r.mean()
    return out


def test_several_models_pool_within_models_and_hold_each_out(tmp_path):
    rng = np.random.default_rng(4)
    n_layer, models = 8, 3
    crits, fields = [], []
    for m in range(models):
        crit = rng.normal(size=n_layer)
        # variance tracks criticality (with noise and a per-model offset); kurtosis does not.
        f = {"variance": 5 * m + crit + 0.3 * rng.normal(size=n_layer), "kurtosis": rng.normal(size=n_layer)}
        synthetic_model(tmp_path / f"m{m}", crit, f)
        crits.append(crit)
        fields.append(f)
    args = sum((["--stats", tmp_path / f"m{m}" / "stats.json", "--sweep", tmp_path / f"m{m}" / "sweep.json"]
                for m in range(models)), [])
    proc = run_lq("predict", *args, "--bootstrap", 200, "--permutations", 2000, "--top-k", TOP_K,
                  "--out", tmp_path / "p.json", "--md", tmp_path / "p.md")
    j = json.loads((tmp_path / "p.json").read_text())
    assert len(j["models"]) == models and proc.stdout == (tmp_path / "p.md").read_text()
    (pool,) = j["pooled"]
    assert pool["models"] == models and pool["layers"] == models * n_layer
    groups = np.repeat(np.arange(models), n_layer)
    y = within_ranks(np.concatenate(crits), groups)
    rho = {}
    for p in pool["pooled"]:
        x = within_ranks(np.concatenate([f[p["name"]] for f in fields]), groups)
        rho[p["name"]] = (x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum())
        assert p["spearman"]["r"] == pytest.approx(rho[p["name"]], abs=1e-12), p["name"]
        assert p["spearman"]["lo"] <= p["spearman"]["r"] <= p["spearman"]["hi"]
    assert pool["pooled"][0]["name"] == "variance" and pool["pooled"][0]["spearman"]["p_value"] < 0.01
    # Held out: chosen on the other two models (pooled within them), judged by scipy on the third.
    for h, m in zip(pool["held_out"], range(models)):
        others = [o for o in range(models) if o != m]
        g2 = np.repeat(np.arange(len(others)), n_layer)
        y2 = within_ranks(np.concatenate([crits[o] for o in others]), g2)
        best = max(["kurtosis", "variance"], key=lambda k: abs(np.sum(
            within_ranks(np.concatenate([fields[o][k] for o in others]), g2) * y2)))
        assert h["model"] == str(tmp_path / f"m{m}" / "sweep.json") and h["predictor"] == best
        sign = 1 if h["direction"] > 0 else -1
        assert h["spearman"]["r"] == pytest.approx(sps.spearmanr(sign * fields[m][best], crits[m])[0], abs=1e-12)
        k = min(TOP_K, n_layer)
        assert h["top_k_overlap"] == len(set(top_k(sign * fields[m][best], k, 1)) & set(top_k(crits[m], k, 1)))
    assert "Leave one model out" in proc.stdout
    # Unequal counts are refused in one line, and nothing is written.
    bad = run_lq("predict", *args[:-2], "--stats", tmp_path / "m0" / "stats.json", "--out", tmp_path / "q.json",
                 check=False)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "q.json").exists()
