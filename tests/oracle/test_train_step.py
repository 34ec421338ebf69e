"""langquant's training step (src/train: backward, clip_grad_norm, AdamW) against PyTorch doing
the same on transformers' GPT2LMHeadModel: torch.nn.utils.clip_grad_norm_ and
torch.optim.AdamW with weight decay on the matrices and embeddings only (the parameters with
two dimensions, as langquant's trainer groups them), several steps on one batch so that the
moments and the bias correction of later steps are exercised. Parameters after the steps agree
within 1e-5 of each tensor's largest |value|.

Why eps = 1e-6 in the end-to-end test: where a gradient is far below eps (the key bias's is exactly
0 in theory, softmax being shift-invariant) AdamW's first step is lr * g / eps, which magnifies
F32 rounding noise in g (~1e-9 here, any F32 implementation's, PyTorch's own included) by lr/eps.
The gradients themselves are checked in test_backward.py; the optimizer alone, at the usual
eps = 1e-8, is checked on identical gradients in test_adamw_alone_matches_pytorch."""
import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from train_tools import token_batch, tiny_gpt2, train_dump, write_seqs


def torch_steps(model, seqs, *, steps, lr, wd, betas, eps, clip, dtype):
    model = model.to(dtype).train()
    model.config.resid_pdrop = model.config.embd_pdrop = model.config.attn_pdrop = 0.0
    for m in model.modules():  # no dropout: the reference must be deterministic
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    decay = [p for p in model.parameters() if p.ndim >= 2]
    other = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": other, "weight_decay": 0.0}],
                            lr=lr, betas=betas, eps=eps)
    n = sum(len(s) - 1 for s in seqs)
    norms = []
    for _ in range(steps):
        opt.zero_grad()
        total = 0
        for s in seqs:
            ids = torch.tensor([s])
            logp = torch.log_softmax(model(ids).logits[0, :-1], dim=-1)
            total = total - logp.gather(1, ids[0, 1:, None]).sum()
        (total / n).backward()
        norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), clip).item())
        opt.step()
    return norms, {k: p.detach().double().numpy() for k, p in model.named_parameters()}


@pytest.mark.parametrize("clip", [0.5, 1e9])  # clipping active / inactive
def test_adamw_steps_match_pytorch(tmp_path, clip):
    model = tiny_gpt2(tmp_path / "m", seed=1)
    seqs = token_batch(langs=("en", "fr", "ru"), per_lang=2, max_len=40)
    write_seqs(tmp_path / "seqs.txt", seqs)
    hp = dict(steps=3, lr=1e-3, wd=0.1, betas=(0.9, 0.95), eps=1e-6, clip=clip)
    out = train_dump("step", "--model", tmp_path / "m", "--seqs", tmp_path / "seqs.txt", "--out", tmp_path / "o",
                     "--steps", hp["steps"], "--lr", hp["lr"], "--wd", hp["wd"], "--beta1", hp["betas"][0],
                     "--beta2", hp["betas"][1], "--eps", hp["eps"], "--clip", clip, "--threads", 2)
    norms, ref = torch_steps(model, seqs, dtype=torch.float64, **hp)
    if clip < 1:
        assert min(norms) > clip, "the clipping case must clip"
    assert out["grad_norms"] == pytest.approx(norms, rel=1e-5)
    got = load_file(str(tmp_path / "o" / "model.safetensors"))
    start = load_file(str(tmp_path / "m" / "model.safetensors"))
    for name, p in ref.items():
        moved = abs(p - start[name]).max()
        assert moved > 0.5 * hp["lr"], f"{name} did not move"
        err = abs(got[name].astype("float64") - p).max() / abs(p).max()
        assert err <= 1e-5, f"{name}: relative error {err:.2e}"


def test_saved_checkpoint_loads_in_transformers(tmp_path):
    """The stepped checkpoint is a complete HF folder: config, weights, tokenizer."""
    from transformers import GPT2LMHeadModel
    tiny_gpt2(tmp_path / "m")
    write_seqs(tmp_path / "seqs.txt", token_batch(langs=("en",), per_lang=1))
    train_dump("step", "--model", tmp_path / "m", "--seqs", tmp_path / "seqs.txt", "--out", tmp_path / "o",
               "--lr", 1e-3)
    m = GPT2LMHeadModel.from_pretrained(tmp_path / "o")
    got = load_file(str(tmp_path / "o" / "model.safetensors"))
    assert torch.equal(m.lm_head.weight, torch.from_numpy(got["transformer.wte.weight"]))
    assert (tmp_path / "o" / "tokenizer.json").read_bytes() == (tmp_path / "m" / "tokenizer.json").read_bytes()
    assert json.loads((tmp_path / "o" / "config.json").read_text())["n_layer"] == 2


@pytest.mark.parametrize("decay,clip", [(1, 1e30), (0, 1e30), (1, 0.3)])
def test_adamw_alone_matches_pytorch(tmp_path, decay, clip):
    """AdamW (and clipping) on identical gradients, float32 on both sides, eps = 1e-8: four
    steps with gradients of different scales and signs, including zeros and tiny values."""
    from safetensors.numpy import save_file
    rng = np.random.default_rng(3)
    p0 = rng.normal(0, 0.5, 1000).astype(np.float32)
    grads = [(rng.normal(0, s, 1000) * (rng.random(1000) > 0.1)).astype(np.float32) for s in (1e-2, 1.0, 1e-5, 0.1)]
    save_file({"param": p0, **{f"grad.{k}": g for k, g in enumerate(grads)}}, str(tmp_path / "in.st"))
    hp = dict(lr=1e-2, wd=0.05, beta1=0.8, beta2=0.99, eps=1e-8)
    out = train_dump("adamw", "--in", tmp_path / "in.st", "--out", tmp_path / "out.st", "--decay", decay,
                     "--clip", clip, *[x for k, v in hp.items() for x in (f"--{k}", v)])
    p = torch.tensor(p0, requires_grad=True)
    opt = torch.optim.AdamW([p], lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"],
                            weight_decay=hp["wd"] if decay else 0.0)
    norms = []
    for g in grads:
        p.grad = torch.tensor(g)
        norms.append(torch.nn.utils.clip_grad_norm_([p], clip).item())
        opt.step()
    assert out["grad_norms"] == pytest.approx(norms, rel=1e-6)
    got = load_file(str(tmp_path / "out.st"))["param"]
    ref = p.detach().numpy()
    assert np.abs(got - ref).max() <= 1e-6 * np.abs(ref).max()
    assert np.abs(ref - p0).max() > 1e-2  # it moved
