"""`langquant fertility` (issue 15, item 5) against Hugging Face `tokenizers` and Python.

On GPT-2's real vocabulary and the 21 parallel ud-pud languages: every language's token count
equals the sum of `tokenizers`' encodings of each sentence alone (no special tokens); bytes and
characters equal Python's; the ratios and the premium (tokens / English tokens on the same
sentences) follow from those counts; JSON, CSV and Markdown agree; a corpus that is not
parallel gets no premium. Word counts (ICU boundaries) are checked on known strings in
tests/analysis/word_count_test.cpp.
"""
import csv
import json

import pytest
from tokenizers import Tokenizer

from conftest import CORPORA, GPT2_TOKENIZER, run_lq

N = 60


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    d = tmp_path_factory.mktemp("fert")
    run_lq("fertility", "-m", GPT2_TOKENIZER / "tokenizer.json", "-c", CORPORA / "ud-pud", "--sentences", N,
           "-o", d / "f.json", "--csv", d / "f.csv", "--md", d / "f.md")
    return d


def test_counts_equal_tokenizers_and_python(result):
    hf = Tokenizer.from_file(str(GPT2_TOKENIZER / "tokenizer.json"))
    j = json.loads((result / "f.json").read_text())
    assert j["schema_version"] == 1
    langs = {l["lang"]: l for l in j["languages"]}
    assert len(langs) == 21
    en_tokens = None
    for code, l in sorted(langs.items()):
        sentences = (CORPORA / "ud-pud" / f"{code}.txt").read_text(encoding="utf-8").splitlines()[:N]
        tokens = sum(len(hf.encode(s, add_special_tokens=False).ids) for s in sentences)
        assert l["sentences"] == N
        assert l["tokens"] == tokens, code
        assert l["bytes"] == sum(len(s.encode("utf-8")) for s in sentences), code
        assert l["chars"] == sum(len(s) for s in sentences), code
        assert 0 < l["words"] <= l["chars"], code
        assert l["tokens_per_word"] == pytest.approx(tokens / l["words"], rel=1e-12)
        assert l["tokens_per_char"] == pytest.approx(tokens / l["chars"], rel=1e-12)
        assert l["bytes_per_token"] == pytest.approx(l["bytes"] / tokens, rel=1e-12)
        if code == "en":
            en_tokens = tokens
    for code, l in langs.items():
        if code == "en":
            assert l["premium"] is None
        else:
            assert l["premium"] == pytest.approx(l["tokens"] / en_tokens, rel=1e-12), code
    # GPT-2's byte-level BPE was trained on English: every other script costs more tokens.
    assert min(l["premium"] for c, l in langs.items() if c != "en") > 1


def test_csv_and_markdown_agree_with_json(result):
    j = {l["lang"]: l for l in json.loads((result / "f.json").read_text())["languages"]}
    with open(result / "f.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["lang"] for r in rows] == sorted(j)
    for r in rows:
        l = j[r["lang"]]
        for k in ["tokens", "words", "chars", "bytes"]:
            assert int(r[k]) == l[k]
        assert float(r["tokens_per_word"]) == pytest.approx(l["tokens_per_word"], rel=1e-5)
        assert (r["premium"] == "") == (l["premium"] is None)
    md = (result / "f.md").read_text()
    assert "| en | 60 |" in md and "1 (ref)" in md


def test_no_premium_without_a_parallel_corpus(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "en.txt").write_text("One sentence here.\nAnd another one.\n", encoding="utf-8")
    (corpus / "de.txt").write_text("Nur ein Satz.\n", encoding="utf-8")
    out = run_lq("fertility", "-m", GPT2_TOKENIZER / "tokenizer.json", "-c", corpus, "-o", tmp_path / "f.json")
    assert out.returncode == 0
    j = json.loads((tmp_path / "f.json").read_text())
    assert [l["premium"] for l in j["languages"]] == [None, None]
    assert [l["words"] for l in j["languages"]] == [3, 6]
