"""Every tokenizer type the supported models use, against Hugging Face tokenizers (the oracle).

Each tokenizer.json is trained here with the `tokenizers` library on the first lines of every
ud-train file, laid out the way the real model's file is (stage types and options copied from
the published tokenizer.json files). ids must be identical on every line of ud-pud and ud-mono
with add_special_tokens False and True, on adversarial strings, and decode() must give the same
text with and without skip_special_tokens.

Not covered because langquant rejects it by name: the `Precompiled` normalizer of the real
mT5/XGLM files (SentencePiece's compiled charsmap); the Unigram layouts here use NFKC instead.
"""
import json
import subprocess
import time
from pathlib import Path

import pytest
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from conftest import BIN, CORPORA, run_lq
from test_tokenizer import ADVERSARIAL, MULTILINE, python_lines

TRAIN_LINES = 1000  # per ud-train file: enough for realistic vocabularies, fast to train
EVAL_FILES = sorted((CORPORA / "ud-pud").glob("*.txt")) + sorted((CORPORA / "ud-mono").glob("*.txt"))

# The word patterns of the real files (Llama-3's is also GPT-4's cl100k pattern).
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
BLOOM_PATTERN = " ?[^(\\s|[.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c])]+"

EXTRA_ADVERSARIAL = [
    "<s>", "</s>", "<s>hello</s>", " <s> x </s> ", "<unk>", "<pad>", "[CLS] a [SEP]", "[MASK]", "a[MASK]b",
    "x [UNK] y", "<|begin_of_text|>hi", "<|endoftext|>", "<0x41>", "<0xFF><0x00>", "\u2581", "\u2581\u2581a \u2581",
    "Quantized MODEL", "the QUANTIZED model quantized", "  leading", "trailing  ", "a  b   c    d",
    "\u00c9cole \u0130stanbul \u03a3\u039f\u03a6\u039f\u03a3 stra\u00dfe \ufb01ne \u2460 \u00bd \uff21\uff22",
    "\u3042\u3044\u3046 \ud55c\uad6d\uc5b4 \u0e20\u0e32\u0e29\u0e32 \u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "ab\u0300\u0301\u0302c \u1e9b\u0323 \u0344", "x\u00ady\u200bz\ufeff", "\x00a\x00", "\ufffd\ufffd x",
    "1234567 12.5 \u0661\u0662\u0663 \u2155 \u2167", "don't do not it's they're I'm we've", "hello , world . ? !",
    "a" * 150, "\u00e9" * 120 + " x", "tab\tsep\tvalues", "\u3000\u3000full\u3000width",
]


def train_lines():
    lines = []
    for path in sorted((CORPORA / "ud-train").glob("*.txt")):
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i >= TRAIN_LINES:
                    break
                lines.append(line.rstrip("\n"))
    return lines


def byte_level_bpe(pre_tokenizer, normalizer=None, post_processor=None, specials=("<|endoftext|>",)):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    if post_processor is not None:
        tok.post_processor = post_processor
    trainer = trainers.BpeTrainer(vocab_size=4000, special_tokens=list(specials), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(train_lines(), trainer)
    return tok


def llama3():
    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]),
        specials=("<|begin_of_text|>", "<|end_of_text|>"))
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                      special_tokens=[("<|begin_of_text|>", bos)])])
    return tok


def qwen2():
    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)]),
        normalizer=normalizers.NFC(), post_processor=processors.ByteLevel(trim_offsets=False),
        specials=("<|endoftext|>", "<|im_start|>", "<|im_end|>"))
    return tok


def bloom():
    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(BLOOM_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)]),
        post_processor=processors.ByteLevel(trim_offsets=False), specials=("<unk>", "<s>", "</s>", "<pad>"))
    return tok


def roberta():
    """GPT-2's pre-tokenizer with RobertaProcessing (<s> $A </s>), as RoBERTa/OPT-style files."""
    tok = byte_level_bpe(pre_tokenizers.ByteLevel(add_prefix_space=False), specials=("<s>", "<pad>", "</s>", "<unk>"))
    tok.post_processor = processors.RobertaProcessing(sep=("</s>", 2), cls=("<s>", 0), trim_offsets=True,
                                                      add_prefix_space=False)
    return tok


def with_byte_fallback_vocab(tok, specials):
    """Llama-2's model vocab: specials, then <0x00>..<0xFF>, then the trained pieces; byte_fallback on."""
    data = json.loads(tok.to_str())
    model = data["model"]
    trained = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    order = list(specials) + [f"<0x{b:02X}>" for b in range(256)] + [t for t, _ in trained if t not in specials]
    model["vocab"] = {t: i for i, t in enumerate(order)}
    model.update(byte_fallback=True, fuse_unk=True, unk_token="<unk>")
    for added in data["added_tokens"]:
        added["id"] = model["vocab"][added["content"]]
    return Tokenizer.from_str(json.dumps(data))


def metaspace_bpe(legacy):
    """Llama-2 (legacy: Prepend+Replace normalizer, no pre-tokenizer) or Mistral/Llama-2 converted
    with legacy=False (Metaspace pre-tokenizer, prepend_scheme "first", no split)."""
    specials = ("<unk>", "<s>", "</s>")
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    # A limited alphabet leaves rare characters to the byte fallback.
    trainer = trainers.BpeTrainer(vocab_size=4000, special_tokens=list(specials), limit_alphabet=300, show_progress=False)
    tok.train_from_iterator(train_lines(), trainer)
    if legacy:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
        tok.pre_tokenizer = None
    else:
        tok.normalizer = None
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    tok = with_byte_fallback_vocab(tok, specials)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", 1)])
    return tok


def llama2():
    return metaspace_bpe(legacy=True)


def mistral():
    return metaspace_bpe(legacy=False)


def unigram(byte_fallback, layout):
    """mT5 (WhitespaceSplit + Metaspace, "$A </s>") or XGLM ("</s> $A") layout; their real files
    start the normalizer with Precompiled, replaced here by NFKC."""
    specials = ("<pad>", "</s>", "<unk>") if layout == "mt5" else ("<s>", "<pad>", "</s>", "<unk>")
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    metaspace = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.pre_tokenizer = (pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), metaspace])
                         if layout == "mt5" else metaspace)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(vocab_size=4000, special_tokens=list(specials), unk_token="<unk>",
                                      show_progress=False, max_piece_length=12)
    tok.train_from_iterator(train_lines(), trainer)
    data = json.loads(tok.to_str())
    if byte_fallback:
        data["model"]["byte_fallback"] = True
        data["model"]["vocab"] += [[f"<0x{b:02X}>", 0.0] for b in range(256)]
    eos = specials.index("</s>")
    single = ([{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}]
              if layout == "mt5" else
              [{"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}])
    data["post_processor"] = {"type": "TemplateProcessing", "single": single, "pair": single + single,
                              "special_tokens": {"</s>": {"id": "</s>", "ids": [eos], "tokens": ["</s>"]}}}
    return Tokenizer.from_str(json.dumps(data))


def mt5():
    return unigram(byte_fallback=False, layout="mt5")


def xglm_byte_fallback():
    return unigram(byte_fallback=True, layout="xglm")


def wordpiece(lowercase):
    """mBERT: cased (lowercase=False, strip_accents=None so accents stay) or uncased (accents stripped)."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                                lowercase=lowercase)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    trainer = trainers.WordPieceTrainer(vocab_size=6000, special_tokens=specials, show_progress=False)
    tok.train_from_iterator(train_lines(), trainer)
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if lowercase:
        tok.post_processor = processors.BertProcessing(sep=("[SEP]", sep), cls=("[CLS]", cls))
        # A normalized added token: matched after lowercasing, whatever the case in the text.
        tok.add_tokens([AddedToken("Quantized", normalized=True), AddedToken("the model", normalized=True, lstrip=True)])
    else:
        tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                           special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
        tok.add_tokens([AddedToken("Quantized", normalized=False, rstrip=True)])
    return tok


def mbert_cased():
    return wordpiece(lowercase=False)


def bert_uncased():
    return wordpiece(lowercase=True)


def char_classes():
    """The remaining parts: NFKD, StripAccents, Lowercase, Strip, regex Replace; Whitespace,
    Digits, Punctuation and a Split on a string; BPE with an end-of-word suffix and BPEDecoder."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase(),
                                           normalizers.Strip(), normalizers.Replace(Regex(r"\d{4,}"), "#")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.Punctuation(behavior="contiguous"), pre_tokenizers.Split("-", behavior="merged_with_next")])
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    trainer = trainers.BpeTrainer(vocab_size=4000, special_tokens=["<unk>"], end_of_word_suffix="</w>",
                                  limit_alphabet=500, show_progress=False)
    tok.train_from_iterator(train_lines(), trainer)
    return tok


def nfc_split_variants():
    """NFD/NFC, Strip (left only), WhitespaceSplit and Split behaviours removed /
    merged_with_previous / invert, before a byte-level BPE."""
    tok = byte_level_bpe(pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Split(Regex(r"\p{P}"), behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex(r"[aeiou]"), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=False)]),
        normalizer=normalizers.Sequence([normalizers.NFD(), normalizers.NFC(), normalizers.Strip(right=False)]))
    return tok


BUILDERS = {f.__name__: f for f in (llama3, qwen2, bloom, roberta, llama2, mistral, mt5, xglm_byte_fallback,
                                    mbert_cased, bert_uncased, char_classes, nfc_split_variants)}


@pytest.fixture(scope="module", params=sorted(BUILDERS))
def trained(request, tmp_path_factory):
    tok = BUILDERS[request.param]()
    path = tmp_path_factory.mktemp(request.param) / "tokenizer.json"
    tok.save(str(path))
    return request.param, Tokenizer.from_file(str(path)), path


def lq_ids(path, input_file, special):
    flag = ["--add-special-tokens"] if special else []
    out = run_lq("tokenize", "--model", path, *flag, "--file", input_file).stdout
    return [[int(x) for x in line.split()] for line in out.split("\n")[:-1]]


def mismatches(hf, path, input_file, special):
    lines = python_lines(Path(input_file).read_bytes())
    expected = [e.ids for e in hf.encode_batch(lines, add_special_tokens=special)]
    got = lq_ids(path, input_file, special)
    assert len(got) == len(expected), f"{input_file}: {len(got)} output lines for {len(expected)} input lines"
    return len(lines), [(i + 1, lines[i][:60]) for i, (g, e) in enumerate(zip(got, expected)) if g != e]


def test_corpora_identical(trained):
    name, hf, path = trained
    for special in (False, True):
        total, bad = 0, {}
        for f in EVAL_FILES:
            n, wrong = mismatches(hf, path, f, special)
            total += n
            if wrong:
                bad[f.name] = wrong[:5]
        print(f"\n{name} add_special_tokens={special}: {total} lines, {sum(len(v) for v in bad.values())} "
              f"files with mismatches")
        assert not bad, f"{name}: mismatching lines (first 5 per file): {bad}"
        assert total > 20_000


def test_speed_ud_pud(trained):
    name, _, path = trained
    files = sorted((CORPORA / "ud-pud").glob("*.txt"))
    joined = Path(path).parent / "ud-pud-all.txt"
    joined.write_bytes(b"".join(f.read_bytes() for f in files))
    started = time.perf_counter()
    run_lq("tokenize", "--model", path, "--file", joined)
    elapsed = time.perf_counter() - started
    print(f"\n{name}: ud-pud ({joined.stat().st_size / 1e6:.1f} MB) in {elapsed:.2f}s incl. load")
    assert elapsed < 20


def adversarial_texts():
    return ADVERSARIAL + EXTRA_ADVERSARIAL


def test_adversarial_strings(trained, tmp_path):
    name, hf, path = trained
    texts = [t for t in adversarial_texts() + MULTILINE if "\x00" not in t]  # argv cannot hold NUL
    bad = []
    for text in texts:
        for special in (False, True):
            flag = ["--add-special-tokens"] if special else []
            got = [int(x) for x in run_lq("tokenize", "--model", path, *flag, "--text", text).stdout.split()]
            if got != hf.encode(text, add_special_tokens=special).ids:
                bad.append((special, text[:60]))
    single_line = [t for t in adversarial_texts() if "\n" not in t]
    f = tmp_path / "adversarial.txt"
    f.write_bytes("\n".join(single_line).encode() + b"\n")
    for special in (False, True):
        _, wrong = mismatches(hf, path, f, special)
        bad += wrong
    print(f"\n{name}: {len(texts)} adversarial strings x2 via --text, {len(single_line)} x2 via --file, "
          f"{len(bad)} mismatching")
    assert not bad, bad


def test_decode(trained, tmp_path):
    name, hf, path = trained
    samples = adversarial_texts() + MULTILINE
    for f in EVAL_FILES:
        samples += python_lines(f.read_bytes())[:40]
    id_lists = [hf.encode(t, add_special_tokens=special).ids for t in samples for special in (False, True)]
    vocab = hf.get_vocab_size()
    id_lists += [list(range(0, min(vocab, 300))), list(range(vocab - 50, vocab)), [vocab + 5, 3], []]
    f = tmp_path / "ids.txt"
    f.write_text("".join(" ".join(map(str, ids)) + "\n" for ids in id_lists))
    for flag, skip in ((), False), (("--skip-special-tokens",), True):
        got = subprocess.run([BIN, "tokenize", "--model", path, "--decode", *flag, "--file", f],
                             capture_output=True, check=True).stdout
        expected = "".join(hf.decode(ids, skip_special_tokens=skip) + "\n" for ids in id_lists)
        if got != expected.encode():
            got_lines = got.decode("utf-8", errors="replace").split("\n")
            exp_lines = expected.split("\n")
            diff = [(i, e[:80], g[:80]) for i, (e, g) in enumerate(zip(exp_lines, got_lines)) if e != g][:5]
            pytest.fail(f"{name} skip_special_tokens={skip}: decode differs (line, expected, got): {diff}")
    print(f"\n{name}: {len(id_lists)} id lists decoded x2, identical")


def test_precompiled_is_rejected_by_name(tmp_path):
    path = tmp_path / "precompiled.json"
    tok = Tokenizer(models.Unigram([("<unk>", 0.0), ("\u2581a", -1.0)], unk_id=0, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    data = json.loads(tok.to_str())
    data["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": "ALQCAACEAAAA"}, {"type": "NFKC"}]}
    path.write_text(json.dumps(data))
    proc = run_lq("tokenize", "--model", path, "--text", "x", check=False)
    assert proc.returncode == 1
    assert "Precompiled" in proc.stderr and str(path) in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
