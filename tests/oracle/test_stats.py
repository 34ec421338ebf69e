"""langquant stats against numpy/scipy on the same tensors: every statistic per tensor, and
pooled per layer and per component, for F32 and BF16 checkpoints (GPT-2 stores its matrices
[in, out], Llama [out, in]: the super-weight coordinates are checked in [out, in] order), and
the quantization error against the numpy int4 / int8-per-channel references of
test_quant_numpy. Also bad input: one-line error and no output file."""
import json
import math

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from scipy import stats as sps

from checkpoints import inspect_json, make_gpt2, make_llama
from conftest import run_lq
from test_quant_numpy import int4_tensor, int8_chan

QUANT = {"int4": int4_tensor, "int8-chan": int8_chan}


def logical_tensors(model_dir):
    """{hf_name: float32 array in [out, in] order} from the checkpoint, via inspect's layout."""
    raw = {}
    for f in sorted(model_dir.glob("*.safetensors")):
        raw.update({k: v.float().numpy() for k, v in load_file(str(f)).items()})
    out = {}
    for t in inspect_json(model_dir)["tensors"]:
        w = raw[t["hf_name"]]
        out[t["hf_name"]] = w.T.copy() if t["layout"] == "in,out" else w
    return out


def reference(w, fmt):
    """Every statistic of the flat float32 values w (2-D for the quantizer), in float64."""
    x = w.astype(np.float64).ravel()
    n = x.size
    a = np.abs(x)
    mean, std = x.mean(), x.std()
    top = np.sort(a)[::-1]
    r = {"n": n, "mean": mean, "variance": x.var(), "max_abs": a.max(),
         "sparsity": np.mean(x == 0), "near_zero": np.mean(a < 1e-6 * a.max())}
    const = x.var() <= (1e-15 * mean) ** 2
    r["skewness"] = None if const else sps.skew(x)
    r["kurtosis"] = None if const else sps.kurtosis(x)
    for k in (3, 5, 10):
        r[f"outliers_{k}sigma"] = np.mean(np.abs(x - mean) > k * std)
    for name, d in (("top_0.01pct_share", 10000), ("top_1pct_share", 100), ("top_10pct_share", 10)):
        r[name] = top[: -(-n // d)].sum() / a.sum() if a.sum() > 0 else None
    if fmt is not None:
        # An all-zero tensor (GPT-2's fresh final-norm bias) quantizes to itself; its relative
        # error is undefined (reported as null).
        q = QUANT[fmt](w.reshape(1, -1) if w.ndim == 1 else w).astype(np.float64).ravel() if a.max() > 0 else x
        r["quant_mse"] = np.mean((x - q) ** 2)
        r["quant_rel_error"] = np.sqrt(np.sum((x - q) ** 2) / np.sum(x ** 2)) if a.max() > 0 else None
    return r


def compare(got, want, where):
    for k, v in want.items():
        g = got[k]
        if v is None:
            assert g is None, (where, k, g)
        elif k == "n":
            assert g == v, (where, k)
        elif k.startswith("quant_"):
            assert g == pytest.approx(v, rel=1e-6, abs=1e-12), (where, k, g, v)
        elif k in ("skewness", "kurtosis"):
            assert g == pytest.approx(v, rel=1e-9, abs=1e-9), (where, k, g, v)
        else:
            assert g == pytest.approx(v, rel=1e-10, abs=1e-15), (where, k, g, v)


def check_model(tmp_path, model_dir, fmt, pool_all=False):
    out, csv, md = tmp_path / "s.json", tmp_path / "s.csv", tmp_path / "s.md"
    run_lq("stats", "--model", model_dir, "--format", fmt, "--out", out, "--csv", csv, "--md", md, "--quiet",
           *(["--pool-all"] if pool_all else []))
    j = json.loads(out.read_text())
    assert j["format"] == fmt
    tensors = logical_tensors(model_dir)
    assert sorted(t["hf_name"] for t in j["tensors"]) == sorted(tensors)
    layers, comps = {}, {}
    for t in j["tensors"]:
        w = tensors[t["hf_name"]]
        compare(t, reference(w, fmt), t["name"])
        # Super weight: first largest |w| in [out, in] order, ratio to np.median(|w|).
        flat = np.abs(w.astype(np.float64)).ravel()
        i = int(np.argmax(flat))
        cols = w.shape[1] if w.ndim == 2 else w.size
        sw = t["super_weight"]
        assert (sw["row"], sw["col"]) == (i // cols, i % cols), t["name"]
        assert sw["value"] == float(w.ravel()[i])
        assert sw["median_abs"] == pytest.approx(np.median(flat), rel=1e-12)
        if np.median(flat) > 0:
            assert sw["ratio"] == pytest.approx(flat[i] / np.median(flat), rel=1e-12)
        else:
            assert sw["ratio"] is None  # infinite
        if not pool_all and t["kind"] != "weight":
            continue  # groups pool weight matrices only, unless --pool-all
        if t["layer"] >= 0:
            layers.setdefault(t["layer"], []).append(w)
        comps.setdefault(t["component"], []).append(w)
    # Pooled groups: all of the group's values together (quantization error pooled as
    # sqrt(sum err^2 / sum w^2) over tensors, each quantized on its own).
    for scope, groups, key in (("layers", layers, "layer"), ("components", comps, "component")):
        assert len(j[scope]) == len(groups)
        for g in j[scope]:
            ws = groups[g[key]]
            want = reference(np.concatenate([w.ravel() for w in ws]), None)
            errs = [reference(w, fmt) for w in ws]
            e2 = sum(e["quant_mse"] * e["n"] for e in errs)
            w2 = sum(np.sum(w.astype(np.float64) ** 2) for w in ws)
            want["quant_rel_error"] = math.sqrt(e2 / w2)
            want["quant_mse"] = e2 / want["n"]
            compare(g, want, f"{scope} {g[key]}")
    lines = csv.read_text().splitlines()
    assert len(lines) == 1 + len(j["tensors"]) + len(j["layers"]) + len(j["components"])
    assert md.read_text().count("\n| ") == len(j["layers"]) + 1  # header + one row per layer
    return j


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_gpt2_matches_numpy(tmp_path, dtype):
    d = tmp_path / "gpt2"
    model = make_gpt2(d, n_layer=2, n_embd=64, n_head=4, dtype=dtype)
    # A planted super weight and exact zeros, so those statistics are not trivially 0.
    sd = load_file(str(d / "model.safetensors"))
    sd["transformer.h.1.mlp.c_proj.weight"][3, 5] = 4.0   # stored [in, out]: logical row 5, col 3
    sd["transformer.h.0.attn.c_attn.weight"][:2, :] = 0.0
    from safetensors.torch import save_file
    save_file(sd, str(d / "model.safetensors"), metadata={"format": "pt"})
    j = check_model(tmp_path, d, "int4", pool_all=dtype == torch.bfloat16)
    t = next(t for t in j["tensors"] if t["hf_name"] == "transformer.h.1.mlp.c_proj.weight")
    assert (t["super_weight"]["row"], t["super_weight"]["col"]) == (5, 3)
    assert t["super_weight"]["value"] == 4.0
    assert next(t for t in j["tensors"] if t["hf_name"] == "transformer.h.0.attn.c_attn.weight")["sparsity"] > 0
    del model


def test_llama_bf16_int8_chan(tmp_path):
    d = tmp_path / "llama"
    make_llama(d, dtype=torch.bfloat16)
    check_model(tmp_path, d, "int8-chan")


def test_bad_input(tmp_path):
    out = tmp_path / "s.json"
    p = run_lq("stats", "--model", tmp_path / "nosuch", "--out", out, check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists()
    d = tmp_path / "gpt2"
    make_gpt2(d, n_layer=1, n_embd=32, n_head=2)
    p = run_lq("stats", "--model", d, "--format", "int17", "--out", out, check=False)
    assert p.returncode == 1 and p.stderr.count("\n") == 1 and not out.exists()
    # A NaN weight is named, not averaged into the statistics.
    sd = load_file(str(d / "model.safetensors"))
    sd["transformer.h.0.mlp.c_fc.weight"][1, 2] = float("nan")
    from safetensors.torch import save_file
    save_file(sd, str(d / "model.safetensors"), metadata={"format": "pt"})
    p = run_lq("stats", "--model", d, "--out", out, check=False)
    assert p.returncode == 1 and "transformer.h.0.mlp.c_fc.weight" in p.stderr and not out.exists()
