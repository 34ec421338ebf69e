"""Gpt2Trainable::init_random against transformers' GPT2PreTrainedModel._init_weights: a fresh
GPT2LMHeadModel of the same config has the same per-tensor statistics (N(0, 0.02) matrices and
embeddings, N(0, 0.02/sqrt(2 n_layer)) c_proj weights, LayerNorm weights 1, biases 0), and the
saved folder loads in transformers with every tensor in place."""
import numpy as np
import torch
from safetensors.numpy import load_file
from transformers import GPT2Config, GPT2LMHeadModel

from conftest import GPT2_TOKENIZER
from train_tools import train_dump


def test_init_matches_transformers_statistics(tmp_path):
    shape = dict(vocab=1000, ctx=64, layers=3, heads=4)
    train_dump("init", "--out", tmp_path / "m", "--vocab", shape["vocab"], "--ctx", shape["ctx"], "--d-model", 128,
               "--heads", shape["heads"], "--layers", shape["layers"], "--seed", 5,
               "--tokenizer", GPT2_TOKENIZER / "tokenizer.json")
    got = load_file(str(tmp_path / "m" / "model.safetensors"))
    torch.manual_seed(0)
    ref = GPT2LMHeadModel(GPT2Config(vocab_size=1000, n_positions=64, n_embd=128, n_layer=3, n_head=4))
    params = dict(ref.named_parameters())
    assert set(got) == set(params)
    for name, p in params.items():
        r, g = p.detach().numpy(), got[name]
        assert g.shape == r.shape, name
        if r.std() == 0:  # constant tensors: LayerNorm weights 1, biases 0
            assert (g == r).all(), name
        else:  # same mean 0 and standard deviation within sampling error (n >= 16k values)
            assert abs(g.std() / r.std() - 1) < 0.05, name
            assert abs(g.mean()) < 5 * r.std() / np.sqrt(g.size), name
    # The folder is a complete checkpoint: transformers loads exactly these values.
    m = GPT2LMHeadModel.from_pretrained(tmp_path / "m")
    for name, p in m.named_parameters():
        assert torch.equal(p.detach(), torch.from_numpy(got[name])), name
