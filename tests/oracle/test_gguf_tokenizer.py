"""The tokenizer langquant builds from a GGUF file's tokenizer metadata (src/tokenizers/gguf_vocab.h)
against llama.cpp's own tokenizer (llama-cpp-python, vocab_only=True), on every line of ../shared/corpora,
on adversarial strings and on every Unicode code point; and the tokenizer.json langquant writes for the
same vocabulary against Hugging Face tokenizers.

Setting compared throughout: llama_tokenize(text, add_special=True, parse_special=True), i.e.
llm.tokenize(text, add_bos=True, special=True): control and user-defined token strings in the text
become those tokens, as Hugging Face added tokens do. Decoding: llama_detokenize(ids,
remove_special=False, unparse_special=False / True) against decode(ids, skip_special_tokens=True /
False).

The vocabulary reaches langquant as a JSON dump written here with gguf.GGUFReader (tests/tools/
lq_gguf_tokenize reads it), so the test does not depend on langquant's GGUF reader. Variants of the
real files (other pre-tokenizers, add_space_prefix) are written with gguf.GGUFWriter as vocab-only
files that llama.cpp loads the same way.
"""
import ctypes
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

import gguf
import llama_cpp
import tokenizers

from conftest import CORPORA

ROOT = Path(__file__).resolve().parents[2]
TOOL = os.environ.get("LQ_GGUF_TOKENIZE", str(ROOT / "build/tests/tools/lq_gguf_tokenize"))


# --------------------------------------------------------------------------- model files


def _model_path(request, fixture, env):
    """The conftest fixture when the environment provides it, else the env var; skip if neither."""
    try:
        return Path(request.getfixturevalue(fixture))
    except pytest.FixtureLookupError:
        path = os.environ.get(env)
        if not path or not Path(path).is_file():
            pytest.skip(f"{env} is not set to a GGUF file (and no {fixture} fixture)")
        return Path(path)


@pytest.fixture(scope="module", params=["gemma3", "smollm2"])
def model(request, tmp_path_factory):
    fixture, env = {"gemma3": ("gemma3_gguf", "LQ_GEMMA3_GGUF"),
                    "smollm2": ("smollm2_gguf", "LQ_SMOLLM2_GGUF")}[request.param]
    path = _model_path(request, fixture, env)
    work = tmp_path_factory.mktemp(request.param)
    return Model(request.param, path, work)


# --------------------------------------------------------------------------- helpers


def dump_vocab(gguf_path, out_path):
    """The tokenizer.ggml.* fields of a GGUF file as JSON (what lq_gguf_tokenize reads)."""
    reader = gguf.GGUFReader(str(gguf_path))
    fields = {}
    for key, field in reader.fields.items():
        if key.startswith("tokenizer.ggml."):
            value = field.contents()
            fields[key] = value.tolist() if hasattr(value, "tolist") else value
    Path(out_path).write_text(json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    return fields


def write_variant(src, dst, changes):
    """A vocab-only copy of src (all metadata, no tensors) with the keys in changes replaced."""
    reader = gguf.GGUFReader(str(src))
    writer = gguf.GGUFWriter(str(dst), reader.fields["general.architecture"].contents())
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture" or key in changes:
            continue
        if field.types[0] == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(key, field.contents(), field.types[0], sub_type=field.types[-1])
        else:
            writer.add_key_value(key, field.contents(), field.types[0])
    for key, value in changes.items():
        if isinstance(value, bool):
            writer.add_bool(key, value)
        else:
            writer.add_string(key, value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


class Model:
    def __init__(self, name, gguf_path, work):
        self.name, self.gguf_path, self.work = name, Path(gguf_path), Path(work)
        self.dump = self.work / "vocab.json"
        self.fields = dump_vocab(self.gguf_path, self.dump)
        self.llm = llama_cpp.Llama(model_path=str(self.gguf_path), vocab_only=True, verbose=False)
        self.vocab = llama_cpp.llama_model_get_vocab(self.llm.model)
        self._cache = {}

    def reference(self, texts, add_bos=True, key=None):
        """llama.cpp's ids; with a key, computed once per model (the corpora take minutes)."""
        if key is not None and (key, add_bos) in self._cache:
            return self._cache[(key, add_bos)]
        ids = [self.llm.tokenize(t.encode("utf-8"), add_bos=add_bos, special=True) for t in texts]
        if key is not None:
            self._cache[(key, add_bos)] = ids
        return ids

    def detokenize(self, ids, unparse_special):
        arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
        n = llama_cpp.llama_detokenize(self.vocab, arr, len(ids), None, 0, False, unparse_special)
        if n >= 0:
            return ""
        buf = ctypes.create_string_buffer(-n)
        n = llama_cpp.llama_detokenize(self.vocab, arr, len(ids), buf, -n, False, unparse_special)
        return buf.raw[:n].decode("utf-8", errors="replace")

    def langquant(self, texts, add_bos=True, decode=False, dump=None):
        """Runs lq_gguf_tokenize on texts; returns ([{"ids", "text", "text_special"}], seconds)."""
        path = self.work / "texts.jsonl"
        path.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
        args = [TOOL, str(dump or self.dump), "--jsonl", str(path)]
        args += ["--bos"] if add_bos else []
        args += ["--decode"] if decode else []
        proc = subprocess.run(args, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        took = [float(line.split(" in ")[1].split(" s")[0]) for line in proc.stderr.splitlines()
                if line.startswith("encoded")]
        # split on "\n" only: splitlines() would also cut at U+2028, U+0085, ... inside strings
        return [json.loads(line) for line in proc.stdout.split("\n")[:-1]], took[0]

    def tokenizer_json(self):
        path = self.work / "tokenizer.json"
        if not path.exists():
            proc = subprocess.run([TOOL, str(self.dump), "--write-json", str(path)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
        return path


def corpus_lines():
    """{corpus/file: lines} for every .txt under ../shared/corpora."""
    files = sorted(CORPORA.glob("*/*.txt"))
    assert files, f"no corpora under {CORPORA}"
    return {f"{f.parent.name}/{f.name}": f.read_text(encoding="utf-8").split("\n")[:-1] for f in files}


def report_mismatches(texts, got, want, label):
    bad = [i for i in range(len(texts)) if got[i] != want[i]]
    examples = "\n".join(f"  {texts[i][:60]!r}: langquant {got[i][:16]} llama.cpp {want[i][:16]}" for i in bad[:5])
    return bad, f"{label}: {len(bad)} of {len(texts)} differ\n{examples}"


def adversarial_texts():
    texts = [
        "", " ", "  ", "   ", "\t", "\n", "\r", "\r\n", "\t\t\n \n", " \u00a0 ", "\u3000", "\u2028\u2029", "\u0085",
        "\x0b\x0c", "\x1c\x1d\x1e\x1f", "\x00", "\x7f", "a\x00b",
        # emoji, combining marks, scripts that build clusters
        "😀", "👩‍👩‍👧‍👦", "🇯🇵🇫🇷", "👍🏽", "a😀b", "😀😀😀 😀", "\U0001F9D1\u200D\U0001F4BB",
        "e\u0301", "a\u0308\u0301\u0323", "\u0301", " \u0301x", "\u1100\u1161\u11a8", "क्षि", "ப்ப", "ครับ", "\u0e33\u0e33",
        # text that looks like broken bytes but is valid UTF-8; noncharacters; private use; tags
        "\ufffd", "\ufffd\ufffd", "\\x80\\xff", "Ã©", "Ã", "\ud7ff", "\ue000\uf8ff", "\U0010FFFF", "\U000E0001",
        "\ufeffbom", "\u200b\u200c\u200d", "\u2060", "\u00ad", "\uffff\ufffe", "\U0001D400\U0001D7CE",
        # very long words and runs
        "a" * 5000, "ab" * 3000, "Donaudampfschiffahrtsgesellschaft" * 60, "1" * 1000, "." * 2000, " " * 500,
        "\n" * 100, "\t" * 70, " \n" * 50, "▁" * 100, "😀" * 300, "ก" * 500, "中" * 400, "-" * 300 + "=" * 300,
        # mixed scripts
        "Hello世界مرحبا שלום Привет 123 ४५६ ๑๒๓", "αβγABCабвאבג", "Ελληνικά日本語한국어", "kayıt İstanbul ıI",
        # strings that are, contain or nearly are special tokens
        "<bos>", "<eos>", "<start_of_turn>user\nhi<end_of_turn>\n", "<unused0>", "<unused6241>", "<0x41>", "<0xZZ>",
        "<|im_start|>system\nx<|im_end|>", "<|endoftext|>", "</s>", "<s>", "<unk>", "<pad>", "<mask>", "[multimodal]",
        "<b>bold</b>", "<table><tr><td>x</td></tr></table>", "<<bos>>", "<bo<bos>s>", "<|endoftext|><|endoftext|>",
        "<start_of_image>", "<|im_start", "im_start|>", "<|", "|>", "<repo_name><file_sep>",
        # contractions, numbers, whitespace placement, the SentencePiece space itself
        "don't I'LL we've 's 'S 'Re", "'s's's", "O'Neil's", "''''", "' s", "it’s",
        "1234567", "3.14159", "١٢٣٤٥", "½ ⅓ Ⅻ", "²³", "0x1F", "1,000,000.00", "12 345 678",
        "a \t b", "  a", "a  ", "\n\na", "a\r\n\r\nb", "a\n \nb", " \t\n\r\x0b", "x\u00a0\u00a0y", "x \u3000 y",
        "▁hello", "x▁▁y", " ▁ ", "hello world", " hello", "hello ", "HELLO WORLD!!!", "?!.,;:", "$100+<=>^~|`",
        "#include <stdio.h>\nint main() { return 0; }\n", "    def f(x):\n        return x\n",
        "http://example.com/a?b=c&d=e", "ℌ𝔢𝔩𝔩𝔬", "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ", "ﬁﬂ", "Å Å", "ǅ", "İ", "ß", "ﷺ", "𒀀𒀁",
    ]
    import random
    rnd = random.Random(1)
    pool = ["a", " ", "\n", "é", "e\u0301", "中", "😀", "<b>", "</s>", "<bos>", "<|im_end|>", "'s", "1", "٣", "\t", "  ",
            ".", "▁", "\u00a0", "ก", "<0x41>", "\u200d", "\U00042019", "\u0378"]
    texts += ["".join(rnd.choice(pool) for _ in range(rnd.randint(1, 30))) for _ in range(400)]
    return texts


def codepoint_texts(assigned_planes_only=False):
    """Every Unicode scalar value, 64 per text, each seen alone, doubled, after a letter, before a
    digit and after a space, so that its class in every pre-tokenizer regex matters. With
    assigned_planes_only, planes 0-3 and 14 (planes 4-13 are unassigned, 15-16 private use)."""
    planes = (0, 1, 2, 3, 14) if assigned_planes_only else range(17)
    cps = [cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000 and cp >> 16 in planes]
    return ["".join(f"a{chr(cp)}1 {chr(cp)}{chr(cp)}b {chr(cp)} x" for cp in cps[i:i + 64])
            for i in range(0, len(cps), 64)]


# --------------------------------------------------------------------------- tests


def test_corpora_ids_identical_to_llama_cpp(model):
    corpora = corpus_lines()
    texts = [t for lines in corpora.values() for t in lines]
    start = time.perf_counter()
    want = model.reference(texts, key="corpora")
    llama_seconds = time.perf_counter() - start
    out, lq_seconds = model.langquant(texts, decode=True)
    got = [o["ids"] for o in out]
    rates, i = [], 0
    for name, lines in corpora.items():
        same = sum(got[i + k] == want[i + k] for k in range(len(lines)))
        rates.append(f"{model.name} {name}: {same}/{len(lines)} identical")
        i += len(lines)
    print("\n".join(rates))
    print(f"{model.name}: {len(texts)} lines, {sum(len(t.encode()) for t in texts)} bytes; langquant {lq_seconds:.2f} s, "
          f"llama-cpp-python {llama_seconds:.2f} s (incl. Python calls)")
    bad, message = report_mismatches(texts, got, want, model.name)
    assert not bad, message

    # Decoding: the ids llama.cpp gave, decoded by both, with and without special tokens.
    wrong = [k for k in range(len(texts))
             if out[k]["text"] != model.detokenize(want[k], False)
             or out[k]["text_special"] != model.detokenize(want[k], True)]
    assert not wrong, f"{len(wrong)} decoded lines differ, e.g. {texts[wrong[0]][:60]!r}"


@pytest.mark.parametrize("add_bos", [True, False])
def test_adversarial_ids_identical_to_llama_cpp(model, add_bos):
    texts = adversarial_texts()
    out, _ = model.langquant(texts, add_bos=add_bos, decode=True)
    got = [o["ids"] for o in out]
    want = model.reference(texts, add_bos=add_bos, key="adversarial")
    bad, message = report_mismatches(texts, got, want, f"{model.name} adversarial")
    assert not bad, message
    wrong = [k for k in range(len(texts))
             if out[k]["text"] != model.detokenize(want[k], False)
             or out[k]["text_special"] != model.detokenize(want[k], True)]
    assert not wrong, f"{len(wrong)} decoded texts differ, e.g. {texts[wrong[0]][:60]!r}"


def test_every_code_point_identical_to_llama_cpp(model):
    texts = codepoint_texts()
    got = [o["ids"] for o in model.langquant(texts)[0]]
    want = model.reference(texts)
    bad, message = report_mismatches(texts, got, want, f"{model.name} code points")
    assert not bad, message


def test_hf_tokenizer_json_identical_to_llama_cpp(model):
    """The tokenizer.json langquant writes (what `langquant convert` puts beside a checkpoint),
    loaded by Hugging Face tokenizers, gives llama.cpp's ids and decodes corpus lines back."""
    hf = tokenizers.Tokenizer.from_file(str(model.tokenizer_json()))
    corpora = corpus_lines()
    texts = [t for lines in corpora.values() for t in lines] + adversarial_texts()
    got = [e.ids for e in hf.encode_batch(texts, add_special_tokens=True)]
    want = model.reference(texts[:len(texts) - len(adversarial_texts())], key="corpora")
    want = want + model.reference(adversarial_texts(), key="adversarial")
    bad, message = report_mismatches(texts, got, want, f"{model.name} tokenizer.json in HF tokenizers")
    assert not bad, message
    n_corpus = sum(len(v) for v in corpora.values())
    wrong = [k for k in range(n_corpus) if hf.decode(want[k], skip_special_tokens=True) != model.detokenize(want[k], False)]
    assert not wrong, f"{len(wrong)} decoded corpus lines differ, e.g. {texts[wrong[0]][:60]!r}"


def test_special_tokens_never_overlap(model):
    """llama.cpp cuts special tokens out longest first over the whole text; langquant and HF
    tokenizers take the leftmost-longest match. The two agree unless a proper suffix of one special
    token is a proper prefix of another (runs of one character, like Gemma's "\\n\\n", agree too)."""
    tokens, types = model.fields["tokenizer.ggml.tokens"], model.fields.get("tokenizer.ggml.token_type", [])
    special = [t for t, ty in zip(tokens, types) if ty in (2, 3, 4)]
    prefixes = {}
    for b in special:
        for k in range(1, len(b)):
            prefixes.setdefault(b[:k], []).append(b)
    overlaps = [(a, b) for a in special for k in range(1, len(a)) for b in prefixes.get(a[k:], [])
                if not (len(set(a)) == 1 and set(a) == set(b))]
    assert not overlaps, f"{len(overlaps)} overlapping special tokens, e.g. {overlaps[:3]}"


# Pre-tokenizers llama.cpp applies to byte-level vocabularies, tried on SmolLM2's vocabulary (the
# merges do not depend on them), and Gemma's vocabulary with the SentencePiece space prefix on.
VARIANTS = {
    "smollm2": [{"tokenizer.ggml.pre": p} for p in ("default", "gpt-2", "llama-bpe", "qwen2", "starcoder")],
    "gemma3": [{"tokenizer.ggml.add_space_prefix": True}],
}


def test_variants_identical_to_llama_cpp(model):
    corpus = [t for name, lines in corpus_lines().items() if name.startswith("ud-pud/") for t in lines[:200]]
    texts = corpus + adversarial_texts() + codepoint_texts(assigned_planes_only=True)
    for changes in VARIANTS[model.name]:
        tag = "-".join(str(v) for v in changes.values())
        variant = model.work / f"variant-{tag}.gguf"
        write_variant(model.gguf_path, variant, changes)
        dump = model.work / f"variant-{tag}.json"
        dump_vocab(variant, dump)
        llm = llama_cpp.Llama(model_path=str(variant), vocab_only=True, verbose=False)
        want = [llm.tokenize(t.encode("utf-8"), add_bos=True, special=True) for t in texts]
        got = [o["ids"] for o in model.langquant(texts, dump=dump)[0]]
        bad, message = report_mismatches(texts, got, want, f"{model.name} with {changes}")
        assert not bad, message


def test_unknown_models_and_pre_tokenizers_are_refused_by_name(model, tmp_path):
    fields = dict(model.fields)
    for key, value in (("tokenizer.ggml.model", "bert"), ("tokenizer.ggml.pre", "no-such-pre")):
        if key == "tokenizer.ggml.pre" and fields["tokenizer.ggml.model"] != "gpt2":
            continue
        dump = tmp_path / "bad.json"
        dump.write_text(json.dumps({**fields, key: value}), encoding="utf-8")
        proc = subprocess.run([TOOL, str(dump), "--write-json", str(tmp_path / "t.json")], capture_output=True, text=True)
        assert proc.returncode == 1
        assert str(dump) in proc.stderr and f"'{value}'" in proc.stderr, proc.stderr
