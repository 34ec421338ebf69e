"""`langquant train` end to end, against transformers and tokenizers: the checkpoints it writes
load in transformers and score identically to `langquant score`; the loss it logs per language
is transformers' NLL of the logged batch; every sequence is a window of the language's packed
token stream; languages are drawn by weight; same seed gives the same bytes and an interrupted
run resumed from its last checkpoint ends bit-identical to an uninterrupted one."""
import json

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import GPT2LMHeadModel

from conftest import CORPORA, GPT2_TOKENIZER, read_jsonl, run_lq

LANGS = {"en": 70, "de": 20, "fr": 10}
SMALL = ["--layers", 2, "--d-model", 32, "--heads", 2, "--ctx", 24, "--batch", 4, "--steps", 6, "--warmup", 2,
         "--lr", 3e-3, "--min-lr", 3e-4, "--seed", 7, "--threads", 2]


def write_mix(path, langs=LANGS):
    path.write_text("".join(f'[[source]]\nlang = "{l}"\nfiles = ["{CORPORA / "ud-pud" / (l + ".txt")}"]\n'
                            f"weight = {w}\n\n" for l, w in langs.items()))
    return path


def train(tmp, out, *extra, **kw):
    return run_lq("train", "--mix", tmp / "mix.toml", "--out", out, "--tokenizer",
                  GPT2_TOKENIZER / "tokenizer.json", *SMALL, *extra, **kw)


def nll_of(model, seqs):
    with torch.no_grad():
        total = 0.0
        for s in seqs:
            ids = torch.tensor([s]).long()
            logp = torch.log_softmax(model(ids).logits[0, :-1].double(), dim=-1)
            total -= logp.gather(1, ids[0, 1:, None]).sum().item()
    return total


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("train")
    write_mix(tmp / "mix.toml")
    train(tmp, tmp / "a", "--save-at", "0,3", "--log-every", 1, "--dump-batches", tmp / "batches.jsonl")
    return tmp


def test_checkpoints_load_in_transformers_and_score_identically(run, tmp_path):
    for step in (0, 3, 6):
        assert (run / "a" / f"step-{step:06d}" / "model.safetensors").exists()
    ckpt = run / "a" / "step-000006"
    model = GPT2LMHeadModel.from_pretrained(ckpt).eval()
    # Short enough for the 24-position context.
    lines = [l[:40] for l in (CORPORA / "ud-pud" / "de.txt").read_text(encoding="utf-8").splitlines()[:8]]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_lq("score", "--model", ckpt, "--file", tmp_path / "t.txt", "--out", tmp_path / "s.jsonl")
    got = read_jsonl(tmp_path / "s.jsonl")
    tok = Tokenizer.from_file(str(ckpt / "tokenizer.json"))
    worst, n = 0.0, 0
    with torch.no_grad():
        for i, line in enumerate(lines):
            ids = [50256] + tok.encode(line).ids
            logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), dim=-1)
            recs = [r for r in got if r["line"] == i]
            assert len(recs) == len(ids) - 1
            for r in recs:
                assert r["id"] == ids[r["pos"] + 1]
                worst = max(worst, abs(r["logprob"] - logp[r["pos"], r["id"]].item()))
                n += 1
    assert n > 60 and worst <= 1e-4


def test_logged_losses_are_transformers_nll_of_the_batch(run):
    log = read_jsonl(run / "a" / "train_log.jsonl")
    assert [r["step"] for r in log] == list(range(1, 7))
    batches = read_jsonl(run / "batches.jsonl")
    for step, ckpt in ((1, "step-000000"), (4, "step-000003")):  # the loss of step s uses the weights after s-1
        model = GPT2LMHeadModel.from_pretrained(run / "a" / ckpt).eval()
        b = [r for r in batches if r["step"] == step]
        assert len(b) == 4
        total = nll_of(model, [r["ids"] for r in b])
        rec = log[step - 1]
        assert rec["loss"] == pytest.approx(total / sum(len(r["ids"]) - 1 for r in b), rel=1e-5)
        for lang, v in rec["languages"].items():
            seqs = [r["ids"] for r in b if r["lang"] == lang]
            assert v["tokens"] == sum(len(s) - 1 for s in seqs)
            assert v["loss"] == pytest.approx(nll_of(model, seqs) / v["tokens"], rel=1e-5)
    assert log[-1]["lr"] == pytest.approx(3e-4)  # the cosine ends at --min-lr


def test_sequences_are_windows_of_the_packed_stream(run):
    tok = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    streams = {}
    for lang in LANGS:
        ids = []
        for line in (CORPORA / "ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                ids += tok.encode(line).ids + [50256]
        streams[lang] = " " + " ".join(map(str, ids)) + " "
    for r in read_jsonl(run / "batches.jsonl"):
        assert len(r["ids"]) == 24
        assert " " + " ".join(map(str, r["ids"])) + " " in streams[r["lang"]]


def test_languages_are_drawn_by_weight(tmp_path):
    write_mix(tmp_path / "mix.toml")
    run_lq("train", "--mix", tmp_path / "mix.toml", "--out", tmp_path / "o", "--tokenizer",
           GPT2_TOKENIZER / "tokenizer.json", "--layers", 1, "--d-model", 8, "--heads", 1, "--ctx", 4,
           "--batch", 200, "--steps", 4, "--warmup", 0, "--dump-batches", tmp_path / "b.jsonl", "--quiet")
    langs = [r["lang"] for r in read_jsonl(tmp_path / "b.jsonl")]
    n = len(langs)
    for lang, w in LANGS.items():
        p = w / 100
        assert abs(langs.count(lang) / n - p) < 4 * np.sqrt(p * (1 - p) / n), lang


def test_resume_after_interruption_is_bit_identical(run):
    b = run / "b"
    train(run, b, "--save-at", "3", "--stop-after", 5)  # "interrupted" after step 5, last checkpoint 3
    assert not (b / "step-000006").exists()
    assert (b / "step-000003" / "model.safetensors").read_bytes() == \
        (run / "a" / "step-000003" / "model.safetensors").read_bytes()  # same seed, same bytes
    again = train(run, b, "--save-at", "3", check=False)
    assert again.returncode == 1 and "--resume" in again.stderr
    train(run, b, "--save-at", "3", "--resume")
    for f in ("model.safetensors", "optimizer.safetensors", "config.json"):
        assert (b / "step-000006" / f).read_bytes() == (run / "a" / "step-000006" / f).read_bytes(), f
    assert [r["step"] for r in read_jsonl(b / "train_log.jsonl")] == [6]  # log-every 10: only the last
    other = train(run, b, "--save-at", "3", "--resume", "--clip", 0.5, check=False)
    assert other.returncode == 1 and "other settings" in other.stderr


def test_own_tokenizer_is_trained_and_used(tmp_path):
    write_mix(tmp_path / "mix.toml", {"en": 80, "ru": 20})
    run_lq("train", "--mix", tmp_path / "mix.toml", "--out", tmp_path / "o", "--vocab-size", 600,
           "--tokenizer-sample-mb", 0.2, "--layers", 1, "--d-model", 16, "--heads", 2, "--ctx", 16,
           "--batch", 2, "--steps", 2, "--quiet")
    ckpt = tmp_path / "o" / "step-000002"
    tok = Tokenizer.from_file(str(ckpt / "tokenizer.json"))
    assert tok.get_vocab_size() == 600
    model = GPT2LMHeadModel.from_pretrained(ckpt)
    assert model.config.vocab_size == 600 and model.config.bos_token_id == tok.token_to_id("<|endoftext|>")


def test_bad_mix_is_one_line_error_without_output(tmp_path):
    (tmp_path / "mix.toml").write_text('[[source]]\nlang = "en"\nfiles = ["missing.txt"]\nweight = 1\n')
    p = run_lq("train", "--mix", tmp_path / "mix.toml", "--out", tmp_path / "o", "--tokenizer",
               GPT2_TOKENIZER / "tokenizer.json", check=False)
    assert p.returncode == 1 and "missing.txt" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()
