"""Gradients of langquant's GPT-2 training backward (src/train) against PyTorch autograd on
transformers' GPT2LMHeadModel, computed in float64: the mean next-token NLL over a batch of
real-text sequences of different lengths, every parameter's gradient within 1e-4 of the
tensor's largest |gradient|, in both activation-memory modes (stored and recomputed)."""
import pytest
import torch
from safetensors.numpy import load_file

from train_tools import token_batch, tiny_gpt2, train_dump, write_seqs


def reference_grads(model, seqs):
    model = model.double()
    model.zero_grad()
    total, n = torch.zeros((), dtype=torch.float64), 0
    per_seq = []
    for s in seqs:
        ids = torch.tensor([s])
        logp = torch.log_softmax(model(ids).logits[0, :-1], dim=-1)
        nll = -logp.gather(1, ids[0, 1:, None]).sum()
        per_seq.append(nll.item())
        total = total + nll
        n += len(s) - 1
    (total / n).backward()
    return total.item(), n, per_seq, {k: p.grad.numpy() for k, p in model.named_parameters()}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    d = tmp_path_factory.mktemp("bw")
    model = tiny_gpt2(d / "m")
    seqs = token_batch() + [[50256]]  # a one-token sequence predicts nothing
    write_seqs(d / "seqs.txt", seqs)
    return d, reference_grads(model, seqs)


@pytest.mark.parametrize("recompute", ["never", "always"])
def test_gradients_match_autograd(case, recompute):
    d, (ref_total, ref_n, ref_seq, ref) = case
    out = train_dump("grads", "--model", d / "m", "--seqs", d / "seqs.txt", "--out", d / f"g-{recompute}.st",
                     "--recompute", recompute, "--threads", 2)
    assert out["n_predicted"] == ref_n
    assert out["sum_nll"] == pytest.approx(ref_total, rel=1e-5)
    assert out["seq_nll"] == pytest.approx(ref_seq, rel=1e-5, abs=1e-6)
    got = load_file(str(d / f"g-{recompute}.st"))
    assert set(got) == set(ref), "langquant's parameter names differ from transformers'"
    for name, g in ref.items():
        scale = abs(g).max()
        assert scale > 0, name
        err = abs(got[name].astype("float64") - g).max() / scale
        assert err <= 1e-4, f"{name}: relative error {err:.2e}"


def test_recompute_is_bitwise_identical(case):
    d, _ = case
    for mode in ("never", "always"):
        train_dump("grads", "--model", d / "m", "--seqs", d / "seqs.txt", "--out", d / f"b-{mode}.st",
                   "--recompute", mode, "--threads", 1)
    a, b = load_file(str(d / "b-never.st")), load_file(str(d / "b-always.st"))
    for name in a:
        assert (a[name] == b[name]).all(), name
