"""The committed default model (models/default) against its model card: transformers re-scores
data/sample sentence by sentence ([BOS] + tokens, every token scored, as `langquant eval` does)
and must reproduce the per-language figures the card states (tokens, NLL per token, bits per
byte, and the held-out NLL of a unigram model fitted to the language's training text, rebuilt
here by scripts/build_default_data.py); langquant's eval must agree with transformers; and every
language the model was trained on must score below that unigram model by a clear margin (the
card's claim that the model learnt more than token frequencies)."""
import json
import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from conftest import run_lq

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models/default"
SAMPLE = ROOT / "data/sample"
CARD = MODEL / "MODEL_CARD.md"


def card_table():
    """{lang: {column: value}} from the table between the card's eval markers."""
    text = CARD.read_text(encoding="utf-8")
    block = re.search(r"<!-- default-model-eval:begin -->(.*?)<!-- default-model-eval:end -->", text, re.S)
    assert block, "MODEL_CARD.md has no default-model-eval table"
    rows = [l for l in block.group(1).strip().splitlines() if l.startswith("|")]
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    out = {}
    for line in rows[2:]:
        cells = [c.strip().replace(",", "") for c in line.strip("|").split("|")]
        out[cells[0]] = {h: (float(c) if re.fullmatch(r"-?[0-9.]+", c) else c) for h, c in zip(head, cells)}
    return out


def trained_languages():
    langs = re.findall(r'lang\s*=\s*"([a-z]+)"', (MODEL / "mix.toml").read_text(encoding="utf-8"))
    assert langs
    return set(langs)


UNIGRAM_MARGIN = 0.15  # nats per token the model must beat the unigram model by


@pytest.fixture(scope="module")
def reference(tmp_path_factory, shared):
    """Per language, from transformers: tokens, bytes, summed NLL; and the held-out NLL per token
    of an add-one-smoothed unigram model of the language's training text (None if untrained)."""
    from tokenizers import Tokenizer
    from transformers import GPT2LMHeadModel

    model = GPT2LMHeadModel.from_pretrained(MODEL, torch_dtype=torch.float32).eval()
    tok = Tokenizer.from_file(str(MODEL / "tokenizer.json"))
    data = tmp_path_factory.mktemp("default-data")
    subprocess.run([sys.executable, str(ROOT / "scripts/build_default_data.py"), "--out", str(data),
                    "--shared", str(shared)], check=True, capture_output=True)
    vocab = tok.get_vocab_size()
    config = json.loads((MODEL / "config.json").read_text())
    bos, n_ctx = config["bos_token_id"], config["n_positions"]
    out = {}
    for f in sorted(SAMPLE.glob("*.txt")):
        lines = [l for l in f.read_text(encoding="utf-8").splitlines() if l.strip()]
        nll, tokens, nbytes, counts = 0.0, 0, 0, Counter()
        for line in lines:
            ids = tok.encode(line, add_special_tokens=False).ids
            if len(ids) + 1 > n_ctx:
                # eval keeps the first n_ctx rows and counts the scored tokens' bytes (one
                # byte per character of a byte-level token)
                ids = ids[:n_ctx - 1]
                nbytes += sum(len(tok.id_to_token(i)) for i in ids)
            else:
                nbytes += len(line.encode())
            counts.update(ids)
            x = torch.tensor([[bos] + ids])
            with torch.no_grad():
                logp = torch.log_softmax(model(x).logits[0, :-1].double(), dim=-1)
            nll -= logp[torch.arange(len(ids)), torch.tensor(ids)].sum().item()
            tokens += len(ids)
        unigram = None
        if (data / f.name).exists():
            train = Counter()
            for e in tok.encode_batch((data / f.name).read_text(encoding="utf-8").splitlines(), add_special_tokens=False):
                train.update(e.ids)
            n = sum(train.values())
            unigram = -sum(c * math.log((train[i] + 1) / (n + vocab)) for i, c in counts.items()) / tokens
        out[f.stem] = dict(tokens=tokens, bytes=nbytes, nll=nll, unigram=unigram)
    return out


def test_card_states_what_the_committed_model_does(reference):
    card = card_table()
    assert set(card) == set(reference)
    for lang, ref in reference.items():
        row = card[lang]
        assert row["tokens"] == ref["tokens"], lang
        assert abs(row["NLL/token"] - ref["nll"] / ref["tokens"]) <= 6e-4, lang
        assert abs(row["bits/byte"] - ref["nll"] / (ref["bytes"] * math.log(2))) <= 6e-4, lang
        if ref["unigram"] is None:
            assert row["unigram NLL/token"] == "untrained", lang
        else:
            assert abs(row["unigram NLL/token"] - ref["unigram"]) <= 6e-4, lang


def test_trained_languages_beat_a_unigram_model(reference):
    trained = trained_languages() & set(reference)
    assert len(trained) >= 12
    for lang in trained:
        ref = reference[lang]
        assert ref["nll"] / ref["tokens"] <= ref["unigram"] - UNIGRAM_MARGIN, lang


def test_langquant_eval_agrees_with_transformers(reference, tmp_path):
    out = tmp_path / "eval.json"
    run_lq("eval", "--model", MODEL, "--corpus", SAMPLE, "--bootstrap", "0", "--out", out, "--quiet")
    for lang in json.loads(out.read_text())["languages"]:
        ref = reference[lang["name"]]
        assert lang["tokens"] == ref["tokens"]
        assert abs(lang["nll_total"] - ref["nll"]) <= 1e-4 * ref["nll"], lang["name"]
