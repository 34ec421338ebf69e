"""`langquant sweep --shard K/N` and `sweep merge` (issue 14): a sweep run as N shards, each into
its own store, and merged, equals the unsharded run.

* For N = 1, 2 and 5: the merged store's exported JSON, CSV and Markdown are byte-identical to
  the unsharded run's (both exported by this binary, so whatever the export writes), and its
  results table holds the same rows bit for bit. The shards' stores are disjoint and together
  cover every (set, piece) cell; with 5 shards the cells of one piece are split between shards
  (so a shard scores full precision it does not store), which must not change a bit.
* Merge refuses, in one line naming the store (or the output for a shard nobody holds), and
  without writing the output: a missing shard, an unfinished shard, a store of another sweep,
  an input given twice, the output among the inputs. A shard's store is not exported, a shard is
  not resumed as another shard, and --shard takes no exports.
"""
import sqlite3
from pathlib import Path

import pytest

from bad_input import assert_bad_input
from conftest import run_lq

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "default"
CORPUS = ROOT / "data" / "sample"
PLANS = ["none", "layer0", "base=int2", "odd-layers", "magnitude-5"]
# --sets-per-pass 3: a piece's five plans take three passes, so shard boundaries fall inside pieces.
SWEEP = ["--model", MODEL, "--corpus", CORPUS, "--langs", "en,ar,hi", "--batch", "8", "--sets-per-pass", "3",
         "--bootstrap", "100", "--threads", "1", "--quiet"] + [a for p in PLANS for a in ("--plan", p)]
EXPORTS = (".json", ".csv", ".md")


def export(db, stem):
    run_lq("sweep", "--db", db, "--out", f"{stem}.json", "--md", f"{stem}.md", "--csv", f"{stem}.csv",
           "--bootstrap", "100")
    return {ext: Path(f"{stem}{ext}").read_bytes() for ext in EXPORTS}


def table(db, sql):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    d = tmp_path_factory.mktemp("shards")
    run_lq("sweep", *SWEEP, "--db", d / "whole.sqlite")
    return d, export(d / "whole.sqlite", d / "whole")


def run_shards(d, n):
    stores = []
    for k in range(1, n + 1):
        db = d / f"s{k}-of-{n}.sqlite"
        p = run_lq("sweep", *SWEEP, "--db", db, "--shard", f"{k}/{n}")
        assert p.stdout.startswith(f"shard {k}/{n} of experiment plans: "), p.stdout
        stores.append(db)
    return stores


@pytest.mark.parametrize("n", [1, 2, 5])
def test_merged_shards_equal_the_unsharded_sweep(whole, n):
    d, expected = whole
    stores = run_shards(d, n)
    cells = [set(table(s, "SELECT sett, piece FROM done")) for s in stores]
    all_cells = set(table(d / "whole.sqlite", "SELECT sett, piece FROM done"))
    assert set().union(*cells) == all_cells
    assert sum(map(len, cells)) == len(all_cells), "two shards stored the same cell"
    assert all(cells), "a shard got no work"
    if n == 5:
        # Some piece's plans are split between shards: full precision computed but not stored.
        owners = {}
        for i, c in enumerate(cells):
            for s, p in c:
                owners.setdefault(p, set()).add(i)
        assert any(len(o) > 1 for o in owners.values())
    merged = d / f"merged-{n}.sqlite"
    p = run_lq("sweep", "merge", *stores, "--out", merged)
    assert p.stdout == f"merged {n} stores into {merged}: {len(all_cells)} (plan, piece) cells, {len(all_cells)} copied by this merge\n"
    assert export(merged, d / f"merged-{n}") == expected
    rows = "SELECT sett, unit, tokens, nll, kl, top1 FROM results ORDER BY sett, unit"
    assert table(merged, rows) == table(d / "whole.sqlite", rows)
    # Merging again into the finished store copies nothing and changes nothing.
    p = run_lq("sweep", "merge", *stores, "--db", merged)
    assert p.stdout.endswith(", 0 copied by this merge\n")
    assert export(merged, d / f"merged-{n}-again") == expected


def test_merge_refusals(whole):
    d, _ = whole
    s1, s2 = run_shards(d, 2) if not (d / "s2-of-2.sqlite").exists() else (d / "s1-of-2.sqlite", d / "s2-of-2.sqlite")
    out = d / "refused.sqlite"

    assert_bad_input(run_lq("sweep", "merge", s1, "--out", out, check=False), out, "no store given holds shard 2/2")
    assert not out.exists()

    # Another sweep's shard (another plan list) is named.
    other = d / "other-2-of-2.sqlite"
    args = [a if a != "magnitude-5" else "base=int8" for a in SWEEP]
    run_lq("sweep", *args, "--db", other, "--shard", "2/2")
    assert_bad_input(run_lq("sweep", "merge", s1, other, "--out", out, check=False), other, "holds another sweep")
    assert not out.exists()

    # An unfinished shard: one of its cells forgotten (as if killed before that commit).
    cut = d / "cut.sqlite"
    cut.write_bytes(s2.read_bytes())
    con = sqlite3.connect(cut)
    sett, piece = con.execute("SELECT sett, piece FROM done ORDER BY piece DESC, sett DESC LIMIT 1").fetchone()
    con.execute("DELETE FROM done WHERE sett = ? AND piece = ?", (sett, piece))
    con.commit()
    con.close()
    line = assert_bad_input(run_lq("sweep", "merge", s1, cut, "--out", out, check=False), cut, "unfinished")
    assert f"on piece {piece}" in line and "run it again to resume" in line
    assert not out.exists()

    assert_bad_input(run_lq("sweep", "merge", s1, s1, "--out", out, check=False), s1, "given twice")
    assert_bad_input(run_lq("sweep", "merge", s1, s2, "--out", s2, check=False), s2, "one of the stores")
    assert_bad_input(run_lq("sweep", "merge", s1, d / "none.sqlite", "--out", out, check=False),
                     d / "none.sqlite", "no such sweep database")
    assert not out.exists() and not (d / "none.sqlite").exists()

    # A shard's store is part of a sweep: not exported, not resumed as another shard.
    assert_bad_input(run_lq("sweep", "--db", s1, "--out", d / "x.json", check=False), s1, "holds shard 1/2 of a sweep only")
    assert not (d / "x.json").exists()
    assert_bad_input(run_lq("sweep", *SWEEP, "--db", s1, "--shard", "2/2", check=False), s1,
                     "holds shard 1/2 of this sweep, now shard 2/2")
    assert_bad_input(run_lq("sweep", *SWEEP, "--db", s1, check=False), s1, "holds shard 1/2 of this sweep, now the whole sweep")
    assert_bad_input(run_lq("sweep", *SWEEP, "--db", d / "y.sqlite", "--shard", "1/2", "--out", d / "y.json", check=False),
                     "--shard 1/2", "merge the shards")
    for bad in ["3/2", "0/2", "1/0", "a/2", "1-2", "1/2/3"]:
        assert_bad_input(run_lq("sweep", *SWEEP, "--db", d / "z.sqlite", "--shard", bad, check=False), f"--shard {bad}",
                         "expected K/N")
    assert not (d / "y.sqlite").exists() and not (d / "z.sqlite").exists()
