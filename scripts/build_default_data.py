#!/usr/bin/env python3
"""Builds the training text of langquant's embedded default model from ../shared/corpora.

    scripts/build_default_data.py --out /tmp/default-data [--shared ../shared] [--write-mix]

Writes into --out (which must lie outside the repository):
  <lang>.txt       the training lines of each language (one sentence or paragraph per line)
  SOURCES.tsv      every source block considered: language, corpus, line range, licence, used or
                   why not, lines, bytes
  mix.toml         the language mix in the trainer's format (src/train/data_mix.h), files
                   relative to --out; the same as models/default/mix.toml
With --write-mix it also rewrites models/default/mix.toml.

Only text whose licence allows commercial use is kept (CC BY, CC BY-SA, GPL, LGPL, MIT, Apache,
CC0, public domain); anything marked NC (non-commercial) or not recognised is left out. The
licences come from ud-train/sources.tsv (one per block of lines) and from the xquad README
(CC BY-SA 4.0 for every file).

Training vs held-out text (nothing held out is ever read by this script):
  * ud-train/*.txt: training (UD train+dev splits, already filtered against every UD test and
    PUD sentence by the corpus builder), commercial blocks only.
  * xquad/{ar,hi,el}.txt lines 1-200 (articles 1-40): training; ar and hi have no UD training
    text and el has only a non-commercial one. Lines 201-240 (articles 41-48) of every xquad
    file, and all of xquad in the other languages, stay held out.
  * ud-pud/, ud-mono/ and data/sample/: held out (evaluation only).
Standard library only; Python is never needed at langquant's run time.
"""
import argparse
import csv
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
XQUAD_TRAIN_LINES = 200  # articles 1-40; 201-240 held out
XQUAD_LANGS = ("ar", "hi", "el")
XQUAD_LICENCE = "CC BY-SA 4.0"
# Sampling weights (shares of training bytes, before the trainer normalises them): English
# dominant, four large European languages at 4 %, every other language an equal small share.
MAJOR = {"en": 0.70, "de": 0.04, "fr": 0.04, "es": 0.04, "ru": 0.04}
OTHER_TOTAL = 0.14


def commercial_use(licence):
    """(allowed, reason) for a licence string of sources.tsv or the xquad README."""
    if re.search(r"\bNC\b|-NC-|-NC\b", licence):
        return False, "non-commercial (NC)"
    if re.match(r"(CC BY(-SA)? \d|CC0|L?GPL|MIT|Apache|public domain)", licence, re.IGNORECASE):
        return True, "commercial use allowed"
    return False, "licence not recognised"


def read_lines(path):
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        sys.exit(f"{path}: does not end with a newline")
    return text[:-1].split("\n")


def ud_train_blocks(shared):
    """Yields (lang, corpus, first, last, licence, lines) per source block of ud-train."""
    folder = shared / "corpora" / "ud-train"
    cache = {}
    with open(folder / "sources.tsv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            lang = row["lang"]
            if lang not in cache:
                cache[lang] = read_lines(folder / f"{lang}.txt")
            first, last = int(row["start_line"]), int(row["end_line"])
            lines = cache[lang][first - 1:last]
            if len(lines) != int(row["kept_sentences"]) or last > len(cache[lang]):
                sys.exit(f"{folder / 'sources.tsv'}: block {lang} {first}-{last} does not match {lang}.txt")
            corpus = f"ud-train/{lang}.txt ({row['treebank']} {row['split']})"
            yield lang, corpus, first, last, row["licence"], lines


def xquad_blocks(shared):
    for lang in XQUAD_LANGS:
        lines = read_lines(shared / "corpora" / "xquad" / f"{lang}.txt")
        if len(lines) != 240:
            sys.exit(f"xquad/{lang}.txt: expected 240 lines, found {len(lines)}")
        # U+FEFF at the start of some paragraphs is an artefact of the translation batches.
        train = [line.lstrip("\ufeff") for line in lines[:XQUAD_TRAIN_LINES]]
        yield lang, f"xquad/{lang}.txt", 1, XQUAD_TRAIN_LINES, XQUAD_LICENCE, train


def mix_weights(langs):
    """Percent per language: MAJOR as given, the rest of the languages sharing OTHER_TOTAL."""
    others = sorted(l for l in langs if l not in MAJOR)
    weights = {l: 100 * w for l, w in MAJOR.items() if l in langs}
    for l in others:
        weights[l] = round(100 * OTHER_TOTAL / len(others), 4)
    return weights


def mix_toml(weights, sizes):
    """The mix in the trainer's format (src/train/data_mix.h): [[source]] lang, files, weight."""
    out = ["# Language mix of langquant's embedded default model, written by scripts/build_default_data.py",
           "# beside the training text it writes (files are relative to this file's folder; the copy in",
           "# models/default/ is the record, train with the one in the data folder). weight: percent of",
           "# the training sequences drawn from that language (the trainer normalises the weights).",
           "# Sources and licences of every file: SOURCES.tsv in the data folder, and MODEL_CARD.md.", ""]
    for lang in sorted(weights, key=lambda l: (-weights[l], l)):
        out += ["[[source]]", f'lang = "{lang}"', f'files = ["{lang}.txt"]', f"weight = {weights[lang]:.4f}",
                f"# {sizes[lang][0]:,} lines, {sizes[lang][1]:,} bytes", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="output folder (outside the repository)")
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared folder (default ../shared)")
    ap.add_argument("--write-mix", action="store_true", help="also rewrite models/default/mix.toml")
    args = ap.parse_args()
    out = args.out.resolve()
    if out == REPO or REPO in out.parents:
        sys.exit(f"{out}: the training text must not be written into the repository")
    if not (args.shared / "corpora").is_dir():
        sys.exit(f"{args.shared}: no corpora/ folder")

    texts, report = {}, []
    for lang, corpus, first, last, licence, lines in [*ud_train_blocks(args.shared), *xquad_blocks(args.shared)]:
        ok, why = commercial_use(licence)
        if ok:
            texts.setdefault(lang, []).extend(lines)
        report.append([lang, corpus, f"{first}-{last}", licence, "used" if ok else f"excluded: {why}",
                       len(lines), sum(len(x.encode("utf-8")) + 1 for x in lines)])

    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for lang, lines in sorted(texts.items()):
        data = "".join(line + "\n" for line in lines)
        (out / f"{lang}.txt").write_text(data, encoding="utf-8")
        sizes[lang] = (len(lines), len(data.encode("utf-8")))
    with open(out / "SOURCES.tsv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["lang", "corpus", "lines", "licence", "decision", "n_lines", "bytes"])
        w.writerows(report)
    mix = mix_toml(mix_weights(texts), sizes)
    (out / "mix.toml").write_text(mix, encoding="utf-8")
    if args.write_mix:
        (REPO / "models" / "default").mkdir(parents=True, exist_ok=True)
        (REPO / "models" / "default" / "mix.toml").write_text(mix, encoding="utf-8")

    excluded = sorted({r[0] for r in report} - set(texts))
    print(f"{out}: {len(texts)} languages, {sum(s[0] for s in sizes.values()):,} lines, "
          f"{sum(s[1] for s in sizes.values()):,} bytes; no commercial text for: {', '.join(excluded) or 'none'}")
    for lang, (n, b) in sorted(sizes.items()):
        print(f"  {lang}  {n:7,} lines  {b:10,} bytes")


if __name__ == "__main__":
    main()
