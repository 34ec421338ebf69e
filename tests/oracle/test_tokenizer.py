"""`langquant tokenize` against Hugging Face tokenizers (the oracle): ids must be identical on
every line of every corpus file, on adversarial strings, on invalid UTF-8 and after decoding,
for GPT-2's tokenizer.json and for a byte-level BPE trained here with added tokens."""
import subprocess
import time
from pathlib import Path

import pytest
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

from conftest import BIN, CORPORA, GPT2_TOKENIZER, run_lq

GPT2_JSON = GPT2_TOKENIZER / "tokenizer.json"

ADVERSARIAL = [
    "", " ", "   ", "a   ", "   a", "a   b", "\t\t x \t", "x\t\t", "trailing spaces   \t ",
    "e\u0301 n\u0303 a\u0308\u0304 Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d",
    "\U0001F469\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 family", "\U0001F44B\U0001F3FD \U0001F1EB\U0001F1F7",
    "\U0001F3F3\ufe0f\u200d\U0001F308", "1234567890 3.14159 1,000,000 -42 +7e10 \u0661\u0662\u0663 \u00bd \u2163",
    "I'll've", "don't won't 's 'S 'LL Y'ALL'D", "it's '' ''' 'x",
    "<|endoftext|>", "a<|endoftext|>b", " <|endoftext|> ", "<|endoftext|><|endoftext|>", "<|endoftext", "<|endoftext|",
    "Hello\u4e16\u754c\u041f\u0440\u0438\u0432\u0435\u0442 \u0645\u0631\u062d\u0628\u0627 \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "\u200f\u202eabc\u202c \u200e\u05e9\u05dc\u05d5\u05dd\u200f", "\u200b\u200c\u200d\ufeffzero width",
    "x \x85y", "a\u00a0b \u3000c\u2003d\u2028e\u2029f \u1680g", "\x01\x02\x7f\x1b[0m ctrl",
    "\ue000\U0010fffd private", "\U0001E030\U00031350 new in Unicode 15",
    "a" * 5000, "supercalifragilistic" * 200, "\U0001F600" * 1000, " " * 10000 + "x", " \t" * 3000 + "x",
    "\u00e9" * 3000, "!!!???...,,,;;;" * 50, "http://example.com/a_b?c=d&e=%20#f", "tab\there",
]
# Only --text can carry these: a --file line never contains '\n'.
MULTILINE = ["line1\nline2", "\n", "\n\n\n", "a \n b", " \r\n x\r\n", "ends with newline\n", "x\n\n  y  \n\t"]


@pytest.fixture(scope="module")
def gpt2():
    return Tokenizer.from_file(str(GPT2_JSON))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A byte-level BPE trained on a few corpus files, with non-special added tokens."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    trainer = trainers.BpeTrainer(vocab_size=3000, special_tokens=["<|endoftext|>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    files = [str(CORPORA / "ud-pud" / f"{lang}.txt") for lang in ("en", "de", "ru", "zh", "ar")]
    tok.train(files, trainer)
    tok.add_tokens([AddedToken("quantized", lstrip=True, rstrip=True),
                    AddedToken("[MASK]", single_word=True, lstrip=True), AddedToken("the model")])
    path = tmp_path_factory.mktemp("trained") / "tokenizer.json"
    tok.save(str(path))
    return Tokenizer.from_file(str(path)), path


def corpus_files():
    files = sorted(CORPORA.rglob("*.txt"))
    assert files, f"no corpora under {CORPORA}"
    return files


def python_lines(data: bytes):
    """The lines langquant reads: split on b'\\n' only, a final newline ends the last line,
    each decoded like Python's bytes.decode('utf-8', errors='replace')."""
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    return [p.decode("utf-8", errors="replace") for p in parts]


def lq_ids_for_file(tokenizer_json, path):
    out = run_lq("tokenize", "--model", tokenizer_json, "--file", path).stdout
    return [[int(x) for x in line.split()] for line in out.split("\n")[:-1]]


def compare_file(hf, tokenizer_json, path):
    """(lines compared, mismatching line numbers) for one file."""
    lines = python_lines(Path(path).read_bytes())
    expected = [e.ids for e in hf.encode_batch(lines, add_special_tokens=False)]
    got = lq_ids_for_file(tokenizer_json, path)
    assert len(got) == len(expected), f"{path}: {len(got)} output lines for {len(expected)} input lines"
    return len(lines), [i + 1 for i, (g, e) in enumerate(zip(got, expected)) if g != e]


def compare_corpora(hf, tokenizer_json):
    total, bad = 0, {}
    started = time.perf_counter()
    for path in corpus_files():
        n, mismatches = compare_file(hf, tokenizer_json, path)
        total += n
        if mismatches:
            bad[str(path)] = mismatches[:10]
    print(f"\n{tokenizer_json}: {total} lines in {len(corpus_files())} files, "
          f"{sum(len(v) for v in bad.values())} mismatching ({time.perf_counter() - started:.1f}s incl. oracle)")
    assert not bad, f"mismatching lines (first 10 per file): {bad}"
    assert total > 100_000


def test_gpt2_corpora_identical(gpt2):
    compare_corpora(gpt2, GPT2_JSON)


def test_trained_corpora_identical(trained):
    hf, path = trained
    compare_corpora(hf, path)


@pytest.mark.parametrize("which", ["gpt2", "trained"])
def test_adversarial_strings(which, gpt2, trained, tmp_path):
    hf, path = (gpt2, GPT2_JSON) if which == "gpt2" else trained
    extra = ["quantized", "a quantized  b", "  quantized\t", "[MASK]", "x[MASK]", "a [MASK] b", "[MASK]y",
             "the model", "the modelling", "<pad>quantized<|endoftext|>"]
    texts = ADVERSARIAL + extra + MULTILINE
    for text in texts:
        got = run_lq("tokenize", "--model", path, "--text", text).stdout
        assert got.endswith("\n")
        assert [int(x) for x in got.split()] == hf.encode(text, add_special_tokens=False).ids, repr(text[:80])
    single_line = [t for t in ADVERSARIAL + extra if "\n" not in t]
    f = tmp_path / "adversarial.txt"
    f.write_bytes("\n".join(single_line).encode() + b"\n")
    n, mismatches = compare_file(hf, path, f)
    assert n == len(single_line) and not mismatches
    print(f"\n{which}: {len(texts)} adversarial strings via --text, {n} via --file, 0 mismatching")


def test_invalid_utf8(gpt2, tmp_path):
    cases = [b"\xff", b"a\x80b", b"\xc3", b"\xc3(", b"\xe2\x82", b"\xe2\x82(", b"\xf0\x9f\x98", b"\xf0\x9f\x98x",
             b"\xc0\xaf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf5\xf6\xf7\xf8\xff",
             b"ok \xfe\xfe ok", b"\x80\x80\x80", b"\xef\xbf\xbd", b"caf\xe9 na\xefve", b"\xf0\x90\x80",
             b"\xe1\x80\xe1\x80\x80", b"x\x00y", b"<|endoftext|>\xff<|endoftext|>"]
    f = tmp_path / "invalid.bin"
    f.write_bytes(b"\n".join(cases) + b"\n")
    n, mismatches = compare_file(gpt2, GPT2_JSON, f)
    assert n == len(cases) and not mismatches, [cases[i - 1] for i in mismatches]


@pytest.mark.parametrize("which", ["gpt2", "trained"])
def test_decode(which, gpt2, trained, tmp_path):
    hf, path = (gpt2, GPT2_JSON) if which == "gpt2" else trained
    samples = ADVERSARIAL + MULTILINE + python_lines((CORPORA / "ud-pud" / "ja.txt").read_bytes())[:200]
    id_lists = [hf.encode(t, add_special_tokens=False).ids for t in samples]
    # Ids that split characters and ids beyond the vocab (dropped, as tokenizers does).
    id_lists += [[158, 120], [50256, 15496, 50256], [hf.get_vocab_size() + 5, 40], []]
    f = tmp_path / "ids.txt"
    f.write_text("".join(" ".join(map(str, ids)) + "\n" for ids in id_lists))
    for flag, skip in ((), False), (("--skip-special-tokens",), True):
        # Raw bytes: text mode would turn decoded "\r\n" into "\n".
        got = subprocess.run([BIN, "tokenize", "--model", path, "--decode", *flag, "--file", f],
                             capture_output=True, check=True).stdout
        expected = "".join(hf.decode(ids, skip_special_tokens=skip) + "\n" for ids in id_lists)
        assert got == expected.encode()


def test_tokens_flag(gpt2):
    got = run_lq("tokenize", "--model", GPT2_TOKENIZER, "--tokens", "--text", "Hello world<|endoftext|>").stdout
    assert got.split() == gpt2.encode("Hello world<|endoftext|>", add_special_tokens=False).tokens


def test_errors_are_one_line_naming_the_file(tmp_path):
    missing = tmp_path / "missing.json"
    not_json = tmp_path / "not.json"
    not_json.write_text("{ nope")
    word_level = tmp_path / "word_level.json"
    word_level.write_text('{"version": "1.0", "model": {"type": "WordLevel", "vocab": {}}}')
    for path, words in ((missing, "no such"), (not_json, "not valid JSON"), (word_level, "unsupported model type 'WordLevel'")):
        proc = run_lq("tokenize", "--model", path, "--text", "x", check=False)
        assert proc.returncode == 1
        assert proc.stderr.count("\n") == 1 and str(path) in proc.stderr and words in proc.stderr, proc.stderr
    proc = run_lq("tokenize", "--model", GPT2_JSON, "--file", missing, check=False)
    assert proc.returncode == 1 and str(missing) in proc.stderr


def test_help_states_the_utf8_rule():
    out = run_lq("tokenize", "--help").stdout
    assert "errors='replace'" in out and "--decode" in out
