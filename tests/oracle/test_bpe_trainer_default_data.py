"""scripts/build_default_data.py (training text of the default model): only commercially usable
text, exactly the used blocks of ud-train (line ranges of sources.tsv) and xquad lines 1-200,
nothing from the evaluation corpora, a mix the trainer's format accepts, and no output inside
the repository. The licence decision is re-derived here from sources.tsv independently."""
import csv
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import CORPORA

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build_default_data.py"


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), "--shared", str(CORPORA.parent), *map(str, args)],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("default-data")
    proc = run("--out", out)
    assert proc.returncode == 0, proc.stderr
    return out


def lines(path):
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def test_only_commercial_blocks_in_order(built):
    expected = {}
    with open(CORPORA / "ud-train" / "sources.tsv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            lic = row["licence"]
            if "NC" in lic.replace("-", " ").split():  # any non-commercial marking
                continue
            assert lic.startswith(("CC BY-SA 4.0", "CC BY 4.0", "LGPL-LR", "GPL 3.0")), lic
            src = lines(CORPORA / "ud-train" / f"{row['lang']}.txt")
            expected.setdefault(row["lang"], []).extend(src[int(row["start_line"]) - 1:int(row["end_line"])])
    for lang in ("ar", "hi", "el"):
        expected.setdefault(lang, []).extend(x.lstrip("\ufeff") for x in lines(CORPORA / "xquad" / f"{lang}.txt")[:200])
    written = {p.stem: lines(p) for p in built.glob("*.txt")}
    assert written.keys() == expected.keys()
    for lang in expected:
        assert written[lang] == expected[lang], lang
    assert "it" not in written and "he" not in written  # only NC text exists for them
    # English keeps EWT, Atis, ESLSpok, CHILDES and drops GUM, LinES, ParTUT.
    assert len(written["en"]) == 40481 - 17597


def test_no_evaluation_text(built):
    train = {x for p in built.glob("*.txt") for x in lines(p)}
    for folder in ("ud-pud", "ud-mono"):
        for p in (CORPORA / folder).glob("*.txt"):
            assert not train & set(lines(p)), p
    for p in (CORPORA / "xquad").glob("*.txt"):
        held_out = {x.lstrip("\ufeff") for x in lines(p)[200:]}
        assert not train & held_out, p


def test_mix_matches_trainer_format_and_weights(built):
    mix = tomllib.loads((built / "mix.toml").read_text(encoding="utf-8"))
    assert set(mix) == {"source"}
    weights = {}
    for s in mix["source"]:
        assert set(s) == {"lang", "files", "weight"}
        assert all((built / f).is_file() for f in s["files"])
        weights[s["lang"]] = s["weight"]
    total = sum(weights.values())
    assert abs(total - 100) < 0.01
    assert weights["en"] / total == pytest.approx(0.70, abs=1e-4)
    for lang in ("de", "fr", "es", "ru"):
        assert weights[lang] / total == pytest.approx(0.04, abs=1e-4)
    assert all(w / total <= 0.02 for l, w in weights.items() if l not in ("en", "de", "fr", "es", "ru"))
    committed = REPO / "models" / "default" / "mix.toml"
    assert committed.read_text(encoding="utf-8") == (built / "mix.toml").read_text(encoding="utf-8")


def test_refuses_output_inside_repository():
    proc = run("--out", REPO / "build" / "default-data-test")
    assert proc.returncode != 0 and "repository" in proc.stderr
    assert not (REPO / "build" / "default-data-test").exists()
