"""langquant's byte-level BPE trainer (src/tokenizers/bpe_trainer.h) against Hugging Face
tokenizers 0.20.3:

* its tokenizer.json loads in HF tokenizers and encodes every line of ud-pud (21 languages)
  exactly as langquant's own tokenizer does;
* HF's own BpeTrainer (ByteLevel pre-tokenizer, initial alphabet = the 256 byte characters,
  same special token, vocab size and min_frequency) on the same text gives the same
  vocabulary and the same merges in the same order (the tie-break is matched, see the header);
* independently of HF: replaying the merges on the word counts (recounted here in Python
  with HF's pre-tokenizer), every merge was a most frequent pair at its step, ties going to
  the smallest pair of ids.

The C++ side runs through the test-only tool bpe_train_tool (tests/tokenizers), found beside
the langquant binary's build tree or at $LQ_BPE_TOOL."""
import collections
import json
import os
import subprocess
from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

from conftest import BIN, CORPORA

TOOL = Path(os.environ.get("LQ_BPE_TOOL", Path(BIN).resolve().parents[2] / "tests/tokenizers/bpe_train_tool"))
VOCAB = 1500
MIN_FREQ = 2
# About 0.5 MB of training text in 7 scripts: enough for ties, repeated strings and long merges.
TRAIN = [("ud-train/en.txt", 2000), ("ud-train/de.txt", 300), ("ud-train/ru.txt", 300),
         ("ud-train/zh.txt", 200), ("ud-train/ko.txt", 300), ("ud-train/th.txt", 200), ("xquad/ar.txt", 40),
         ("xquad/hi.txt", 40)]


def tool(*args):
    if not TOOL.is_file():
        pytest.fail(f"{TOOL} not found: build the bpe_train_tool target (or set LQ_BPE_TOOL)")
    proc = subprocess.run([str(TOOL), *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bpe")
    lines = []
    for rel, n in TRAIN:
        with open(CORPORA / rel, encoding="utf-8") as f:
            lines += [line.rstrip("\n") for _, line in zip(range(n), f)]
    text_file = tmp / "train.txt"
    text_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    out = tmp / "tokenizer.json"
    tool("train", out, VOCAB, MIN_FREQ, text_file)

    hf = Tokenizer(models.BPE())
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, min_frequency=MIN_FREQ, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    hf.train_from_iterator(lines, trainer)
    return {"dir": tmp, "path": out, "json": json.loads(out.read_text(encoding="utf-8")),
            "hf": json.loads(hf.to_str()), "lines": lines}


def merge_pairs(tokenizer_json):
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in tokenizer_json["model"]["merges"]]


def test_same_vocab_and_merges_as_hf_trainer(trained):
    ours, theirs = merge_pairs(trained["json"]), merge_pairs(trained["hf"])
    same_prefix = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
    overlap = len(set(ours) & set(theirs))
    print(f"merges: ours {len(ours)}, HF {len(theirs)}, common {overlap}, identical prefix {same_prefix}")
    assert ours == theirs
    assert trained["json"]["model"]["vocab"] == trained["hf"]["model"]["vocab"]
    assert len(trained["json"]["model"]["vocab"]) == VOCAB


def test_hf_loads_output_and_encodes_ud_pud_like_langquant(trained):
    hf = Tokenizer.from_file(str(trained["path"]))
    files = sorted((CORPORA / "ud-pud").glob("*.txt"))
    assert len(files) >= 20
    for f in files:
        lines = f.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        ours = tool("encode", trained["path"], f).stdout.split("\n")[:-1]
        assert len(ours) == len(lines), f.name
        encodings = hf.encode_batch(lines)
        for i, (line, got, enc) in enumerate(zip(lines, ours, encodings)):
            assert got == " ".join(map(str, enc.ids)), f"{f.name} line {i + 1}: {line!r}"
            if i < 20:  # decoding gives the text back (byte-level BPE is lossless)
                assert hf.decode(enc.ids) == line


def word_pairs(syms, n):
    return collections.Counter({p: c * n for p, c in collections.Counter(zip(syms, syms[1:])).items()})


def test_each_merge_was_a_most_frequent_pair(trained):
    """Replays the merges on word counts recounted in Python (each changed word's pairs
    recounted from scratch) and checks, at every step, that the merged pair had the highest
    count, at least min_frequency, and was the smallest pair of ids among those tied."""
    pre = pre_tokenizers.ByteLevel(add_prefix_space=False)
    counts = collections.Counter(w for line in trained["lines"] for w, _ in pre.pre_tokenize_str(line))
    vocab = trained["json"]["model"]["vocab"]
    words = [[vocab[c] for c in w] for w in counts]
    weight = list(counts.values())
    pairs, holders = collections.Counter(), collections.defaultdict(set)
    for i, syms in enumerate(words):
        pairs.update(word_pairs(syms, weight[i]))
        for p in zip(syms, syms[1:]):
            holders[p].add(i)
    for step, (a, b) in enumerate(merge_pairs(trained["json"])):
        chosen, best = (vocab[a], vocab[b]), max(pairs.values())
        assert pairs[chosen] == best, f"step {step}: {a}+{b} has {pairs[chosen]}, best {best}"
        assert best >= MIN_FREQ
        assert chosen == min(p for p, c in pairs.items() if c == best), f"step {step}: tie-break"
        merged = vocab[a + b]
        for i in holders.pop(chosen):
            old = word_pairs(words[i], weight[i])
            pairs.subtract(old)
            for p in old:  # drop pairs that no longer occur
                if pairs[p] == 0:
                    del pairs[p]
            syms, j = words[i], 0
            while j + 1 < len(syms):  # leftmost first, no overlap
                if (syms[j], syms[j + 1]) == chosen:
                    syms[j:j + 2] = [merged]
                j += 1
            pairs.update(word_pairs(syms, weight[i]))
            for p in zip(syms, syms[1:]):
                holders[p].add(i)
    # It stopped because the vocabulary was full, not early.
    assert len(vocab) == VOCAB
