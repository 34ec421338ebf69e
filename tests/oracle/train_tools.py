"""Helpers shared by the training oracle tests: the test-only train_dump tool (tests/train),
tiny GPT-2 checkpoints with perturbed biases and norms, and token batches from real text."""
import json
import os
import subprocess
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from transformers import GPT2Config, GPT2LMHeadModel

from checkpoints import GPT2_VOCAB, make_hf
from conftest import CORPORA, GPT2_TOKENIZER

TRAIN_DUMP = Path(os.environ.get("LQ_TRAIN_DUMP",
                                 Path(__file__).resolve().parents[2] / "build/tests/train/train_dump"))


def train_dump(*args):
    if not TRAIN_DUMP.exists():
        pytest.fail(f"{TRAIN_DUMP} not found: build the train_dump target (or set LQ_TRAIN_DUMP)")
    proc = subprocess.run([str(TRAIN_DUMP), *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"train_dump {' '.join(map(str, args))} failed:\n{proc.stderr}")
    return json.loads(proc.stdout)


def tiny_gpt2(dir_, *, n_layer=2, n_embd=64, n_head=4, n_positions=64, seed=0):
    """A random GPT2LMHeadModel with every bias and LayerNorm perturbed away from 0 / 1 (so a
    misplaced one shows), saved by transformers; returns the float32 model read back."""
    cfg = GPT2Config(n_layer=n_layer, n_embd=n_embd, n_head=n_head, n_positions=n_positions,
                     initializer_range=0.1, **GPT2_VOCAB)
    return make_hf(dir_, GPT2LMHeadModel, cfg, seed=seed)


def token_batch(langs=("en", "de", "ru", "zh", "ar"), per_lang=2, max_len=48):
    """Sequences of GPT-2 ids of real UD PUD sentences, BOS-first, of varied lengths."""
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    seqs = []
    for lang in langs:
        with open(CORPORA / "ud-pud" / f"{lang}.txt", encoding="utf-8") as f:
            for _ in range(per_lang):
                seqs.append(([50256] + tok.encode(next(f).rstrip("\n")).ids)[:max_len])
    return seqs


def write_seqs(path, seqs):
    Path(path).write_text("".join(" ".join(map(str, s)) + "\n" for s in seqs))
    return path
