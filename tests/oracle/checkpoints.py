"""Builds small GPT-2 checkpoints with Hugging Face transformers itself (real tensor names,
layouts, config.json, dtypes) and GPT-2's real tokenizer, for the oracle tests."""
import shutil
from pathlib import Path

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from conftest import GPT2_TOKENIZER


def make_gpt2(dir_, *, n_layer=2, n_embd=64, n_head=4, n_inner=None, n_positions=1024,
              initializer_range=0.02, dtype=torch.float32, max_shard_size=None, seed=0, **extra):
    """Saves a random-weight GPT2LMHeadModel with the real 50,257-token vocabulary; returns the
    model (in float32, eval mode) as the reference."""
    torch.manual_seed(seed)
    cfg = GPT2Config(n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_inner=n_inner,
                     n_positions=n_positions, vocab_size=50257, initializer_range=initializer_range,
                     **extra)
    model = GPT2LMHeadModel(cfg).eval()
    dir_ = Path(dir_)
    kwargs = {"safe_serialization": True}
    if max_shard_size:
        kwargs["max_shard_size"] = max_shard_size
    model.to(dtype).save_pretrained(dir_, **kwargs)
    shutil.copy(GPT2_TOKENIZER / "tokenizer.json", dir_ / "tokenizer.json")
    # The reference computes in float32 from exactly the stored (possibly rounded) weights.
    ref = GPT2LMHeadModel.from_pretrained(dir_, torch_dtype=torch.float32).eval()
    return ref
