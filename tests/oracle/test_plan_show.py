"""`langquant plan show --json` against sizes and overheads computed here, independently, from
the shapes in a Hugging Face GPT-2 checkpoint's safetensors header and the counting rules of
src/quant/format.h and plan_cost.h (int4 per tensor: 4 bits a weight + one F32 scale; fp16: 2
bytes; q4_0: 18 bytes per 32 weights; kept elements: value at the keep format + a 32-bit index;
each tensor's bits rounded up to whole bytes)."""
import json
import math
import struct

import pytest

from checkpoints import make_gpt2
from conftest import run_lq

N_LAYER = 4


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    d = tmp_path_factory.mktemp("gpt2_plan")
    make_gpt2(d, n_layer=N_LAYER, n_embd=64, n_head=4)
    return d


def tensors(d):
    """{hf name: number of elements} of the weights langquant uses (buffers left out)."""
    (f,) = list(d.glob("*.safetensors"))
    with open(f, "rb") as fh:
        (n,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(n))
    out = {}
    for name, v in header.items():
        if name == "__metadata__" or name.endswith((".attn.bias", ".attn.masked_bias")) or name == "lm_head.weight":
            continue
        out[name] = math.prod(v["shape"])
    return out


def layer_of(name):
    parts = name.split(".")
    return int(parts[parts.index("h") + 1]) if "h" in parts else -1


def show(ckpt, plan):
    return json.loads(run_lq("plan", "show", plan, "--model", ckpt, "--json").stdout)


def int4_bits(n):
    return 4 * n + 32


def byte(bits):
    return (bits + 7) // 8


def test_all_base(ckpt):
    t = tensors(ckpt)
    j = show(ckpt, "none")
    total = sum(t.values())
    assert j["totals"]["params"] == total
    assert j["totals"]["bytes"] == sum(byte(int4_bits(n)) for n in t.values())
    assert j["totals"]["overhead"] == 0
    assert j["totals"]["fp32_bytes"] == 4 * total
    assert len(j["tensors"]) == len(t)  # the tied output head is not a second tensor


@pytest.mark.parametrize("plan,layers", [("L0+L11", {0, N_LAYER - 1}), ("layer0", {0}),
                                         ("odd-layers", {1, 3}), ("base=int4; keep fp16 layers=-2..-1", {2, 3})])
def test_layer_plans(ckpt, plan, layers):
    t = tensors(ckpt)
    j = show(ckpt, plan)
    total = sum(t.values())
    kept = sum(n for k, n in t.items() if layer_of(k) in layers)
    size = sum(2 * n if layer_of(k) in layers else byte(int4_bits(n)) for k, n in t.items())
    assert j["totals"]["kept_params"] == kept
    assert j["totals"]["overhead"] == pytest.approx(kept / total, rel=1e-12)
    assert j["totals"]["bytes"] == size
    assert j["totals"]["bits_per_weight"] == pytest.approx(8 * size / total, rel=1e-12)


def test_biases_and_final_norm(ckpt):
    t = tensors(ckpt)
    j = show(ckpt, "L0+L11+ln_f+biases")
    keep = lambda k: layer_of(k) in (0, N_LAYER - 1) or "ln_f" in k or (k.endswith(".bias") and ".ln_" not in k)
    size = sum(2 * n if keep(k) else byte(int4_bits(n)) for k, n in t.items())
    assert j["totals"]["bytes"] == size
    assert j["totals"]["kept_params"] == sum(n for k, n in t.items() if keep(k))


def test_magnitude_k(ckpt):
    t = tensors(ckpt)
    j = show(ckpt, "magnitude-5")
    kept = {k: math.ceil(0.05 * n) for k, n in t.items()}
    assert j["totals"]["kept_params"] == sum(kept.values())
    assert j["totals"]["bytes"] == sum(byte(int4_bits(n) + kept[k] * (16 + 32)) for k, n in t.items())
    by_hf = {x["hf_name"]: x for x in j["tensors"]}
    for k in t:
        assert by_hf[k]["kept_elements"] == kept[k]


def test_q4_0_base(ckpt):
    t = tensors(ckpt)
    j = show(ckpt, "base=q4_0")
    assert j["totals"]["bytes"] == sum(n // 32 * 18 for n in t.values())  # every row a multiple of 32
    assert j["totals"]["bits_per_weight"] == pytest.approx(4.5)


def test_tied_output(ckpt):
    j = show(ckpt, "base=int4; keep fp16 name=output.weight")
    (emb,) = [x for x in j["tensors"] if x["format"] == "fp16"]
    assert emb["canonical"] == "token_embd.weight" and "output.weight" in emb["roles"]
    assert j["totals"]["kept_params"] == emb["params"] == 50257 * 64


def test_errors(ckpt):
    assert run_lq("plan", "show", "no-such-preset", "--model", ckpt, check=False).returncode == 1
    p = run_lq("plan", "show", "base=int4; keep fp16 layers=9", "--model", ckpt, check=False)
    assert p.returncode == 1 and "outside a model of 4 layers" in p.stderr


def test_list():
    out = run_lq("plan", "list").stdout
    for name in ("none", "layer0", "first3", "mlp-only", "attn-only", "embeddings-only", "L0+L11",
                 "L0+L11+ln_f+biases", "L0+L9+L11+biases+ln_f", "even-layers", "odd-layers",
                 "magnitude-k", "random-k"):
        assert name in out


def test_apply_fp16_writes_an_exact_half_size_checkpoint(ckpt, tmp_path):
    """plan apply base=fp16 --dtype f16: every tensor stored as F16, each the F32 original rounded
    to binary16 (numpy), and transformers loads it. A plan whose values f16 cannot hold exactly
    (int4 with an F32 scale) is refused and writes nothing."""
    import numpy as np
    import torch
    from safetensors.numpy import load_file
    from transformers import GPT2LMHeadModel

    out = tmp_path / "half"
    run_lq("plan", "apply", "base=fp16", "--model", ckpt, "--out", out, "--dtype", "f16")
    src = load_file(str(next(ckpt.glob("*.safetensors"))))
    got = load_file(str(out / "model.safetensors"))
    for name in tensors(ckpt):
        assert got[name].dtype == np.float16, name
        np.testing.assert_array_equal(got[name], src[name].astype(np.float16), err_msg=name)
    GPT2LMHeadModel.from_pretrained(out, torch_dtype=torch.float32)
    bad = tmp_path / "int4"
    p = run_lq("plan", "apply", "base=int4", "--model", ckpt, "--out", bad, "--dtype", "f16", check=False)
    assert p.returncode == 1 and "not all exact in F16" in p.stderr and len(p.stderr.splitlines()) == 1
    assert not bad.exists()
