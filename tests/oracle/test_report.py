"""`langquant report` end to end, on real `eval --plan` results of a small random-weight GPT-2.

* The numbers each chart draws (embedded Vega data) are recomputed here from the input JSON:
  per-language metrics, the disparity heatmap (unstable cells carry no number), per-layer
  criticality (objective rule: LR disparity if stable for every plan, else delta_bpb gap),
  the Pareto frontier (brute-force dominance) and statistic-vs-criticality pairs with r from
  scipy.stats.pearsonr / spearmanr (statistics computed here with numpy/scipy from the
  checkpoint, in the schema of `langquant stats --out`).
* Headless Chromium renders the HTML: every chart is drawn, each chart's SVG holds one mark per
  data point, the screenshot is not blank and shows the chart colours, and the page names no
  http(s) URL (only the SVG/XLink XML namespace identifiers inside Vega).
* Hostile plan names are escaped; bad input gives a one-line error and no output file.
"""
import html.parser
import json
import math
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest
import scipy.stats
from safetensors.numpy import load_file

from conftest import GPT2_TOKENIZER, run_lq

REPO = Path(__file__).resolve().parents[2]
LANGS = ["en", "de", "fr", "he", "ar", "hi"]
N_SENT = 12  # sentences per language: enough for intervals, quick to score
N_LAYER = 4
LAYER_PLANS = [f"base=int4; keep fp16 layers={n}" for n in range(N_LAYER)]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EVIL = '</script><img src=x onerror="document.title=1">&"\''


# ---- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    model, corpus = d / "model", d / "sample"
    run_lq("init", "--out", model, "--tokenizer", GPT2_TOKENIZER / "tokenizer.json", "--layers", N_LAYER,
           "--hidden", 32, "--heads", 2, "--std", 0.2)  # weights large enough for int4 to matter
    corpus.mkdir()
    for lang in LANGS:  # the first sentences of the project's own parallel sample corpus
        lines = (REPO / "data" / "sample" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
        (corpus / f"{lang}.txt").write_text("\n".join(lines[:N_SENT]) + "\n", encoding="utf-8")
    common = ["--model", model, "--corpus", corpus, "--bootstrap", 200, "--threads", 2, "--quiet"]
    # A per-layer sweep in the shape `sweep --out` exports: eval's JSON plus the sweep runner's
    # tags and a "sweep" section. Like the runner's per-layer recipes it holds no base-only plan.
    run_lq("eval", *common, *sum((["--plan", p] for p in LAYER_PLANS), []), "--out", d / "layers.json")
    sweep = json.loads((d / "layers.json").read_text())
    sweep["plans"][0]["tags"] = {"axis": "reference"}
    for p in sweep["plans"][1:]:
        n = int(re.search(r"layers=(\d+)", p["plan"]).group(1))
        p["tags"] = {"axis": "layers", "mode": "single", "layers": [n], "layer": n, "component": ""}
    sweep["sweep"] = {"recipe": "per-layer (test)", "axes": ["layers"]}
    (d / "sweep.json").write_text(json.dumps(sweep))
    # A baseline file about the same model and corpus: base=int4 alone is the criticality's base
    # (the one overhead-0 plan whose line is the layer plans' base), beside other overhead-0 plans.
    run_lq("eval", *common, "--plan", "base=int4", "--plan", "base=int8", "--plan", "base=int3",
           "--plan", "base=int4; keep fp16 layers=0,-1", "--out", d / "extra.json")
    stats = layer_stats(model)
    (d / "stats.json").write_text(json.dumps(stats))
    run_lq("report", d / "sweep.json", d / "extra.json", "--stats", d / "stats.json",
           "--html", d / "r.html", "--md", d / "r.md")
    return d


def layer_stats(model_dir):
    """Per-layer statistics of the pooled weights of blk.N, as `langquant stats` defines them."""
    tensors = load_file(str(model_dir / "model.safetensors"))
    pooled = {}
    for name, t in tensors.items():
        m = re.search(r"(?:^|\.)h\.(\d+)\.", name)
        if m:
            pooled.setdefault(int(m.group(1)), []).append(t.astype(np.float64).ravel())
    layers = []
    for n in sorted(pooled):
        w = np.concatenate(pooled[n])
        layers.append({"layer": n, "n": int(w.size), "variance": float(w.var()),
                       "kurtosis": float(scipy.stats.kurtosis(w)), "max_abs": float(np.abs(w).max())})
    return {"model": str(model_dir), "layers": layers}


def specs_of(html_text):
    m = re.search(r'<script type="application/json" id="lq-specs">(.*?)</script>', html_text, re.S)
    return json.loads(m.group(1))


def figures_of(html_text):
    return re.findall(r'<figure class="lq-chart" id="([^"]+)" data-kind="([^"]+)" data-points="(\d+)"', html_text)


def data_values(spec, name):
    return next(d["values"] for d in spec["data"] if d["name"] == name)


def merged_inputs(work):
    """The two input files merged as the report documents: the second file's FP and base=int4 are
    the same measurements and are dropped."""
    a = json.loads((work / "sweep.json").read_text())
    b = json.loads((work / "extra.json").read_text())
    known = {p["name"] for p in a["plans"]}
    plans = a["plans"] + [p for p in b["plans"] if p["name"] not in known]
    rows = a["rows"] + [r for r in b["rows"] if r["plan"] not in known]
    groups = a["groups"] + [g for g in b["groups"] if g["plan"] not in known]
    return plans, rows, groups


def objective(groups, names):
    by = {g["plan"]: g for g in groups if g["group"] == "lr"}
    stable = all(by[n].get("lr_disparity") is not None and not by[n].get("lr_disparity_unstable") for n in names)
    key = "lr_disparity" if stable else "delta_bpb_gap"
    return key, {n: by[n][key] for n in names}


# ---- chart data against the input ------------------------------------------------------------

def test_per_language_and_heatmap_data(work):
    text = (work / "r.html").read_text()
    specs = specs_of(text)
    plans, rows, _ = merged_inputs(work)
    fp = plans[0]["name"]
    shown = [p["name"] for p in plans[1:] if p.get("tags", {}).get("axis") != "layers"]
    shown += [p["name"] for p in plans[1:] if p.get("tags", {}).get("axis") == "layers"]
    for metric, scale in [("degradation", 100), ("delta_bpb", 1), ("kl", 1), ("top1", 1)]:
        pts = data_values(specs[f"s0-lang-{metric}"], "points")
        want = {(r["plan"], r["lang"]): (scale * r[metric], r[metric + "_lo"], r[metric + "_hi"])
                for r in rows if r["plan"] in shown[:12] and r[metric] is not None}
        got = {(p["plan"], p["lang"]): p for p in pts}
        assert got.keys() == want.keys() and len(got) > 0
        for k, (v, lo, hi) in want.items():
            assert got[k]["v"] == pytest.approx(v, rel=1e-12, abs=1e-15)
            assert got[k]["lo"] == pytest.approx(scale * lo, rel=1e-12, abs=1e-15)
            assert got[k]["hi"] == pytest.approx(scale * hi, rel=1e-12, abs=1e-15)
    cells = data_values(specs["s0-heatmap"], "cells")
    want = {(r["plan"], r["lang"]): r for r in rows if r["plan"] != fp}
    assert len(cells) == len(want)
    n_unstable = 0
    for c in cells:
        r = want[(c["plan"], c["lang"])]
        if r["disparity_unstable"]:
            n_unstable += 1
            assert c["v"] is None and c["label"] == "unstable"
        else:
            assert c["v"] == pytest.approx(r["disparity"], rel=1e-12)
    # The Markdown's per-language table shows exactly as many 'unstable' disparities.
    md_rows = [l for l in (work / "r.md").read_text().splitlines() if l.startswith("| ") and l.count("|") == 9]
    assert sum(l.split("|")[5].strip() == "unstable" for l in md_rows) == n_unstable


def test_criticality_matches_independent_computation(work):
    specs = specs_of((work / "r.html").read_text())
    plans, _, groups = merged_inputs(work)
    base = next(p["name"] for p in plans if p["plan"] == "base=int4")
    layer_of = {p["name"]: p["tags"]["layer"] for p in plans if p.get("tags", {}).get("axis") == "layers"}
    key, obj = objective(groups, [base] + list(layer_of))
    got = data_values(specs["s0-criticality-0"], "layers")
    assert [v["layer"] for v in got] == [f"L{n}" for n in range(N_LAYER)]
    for v in got:
        want = obj[base] - obj[v["plan"]]
        assert v["crit"] == pytest.approx(want, rel=1e-12, abs=1e-15)
        assert v["kind"] == ("anti-critical" if want < 0 else "critical")
    caption = re.search(r'id="s0-criticality-0".*?<figcaption>(.*?)</figcaption>', (work / "r.html").read_text(), re.S)[1]
    assert ("LR disparity" if key == "lr_disparity" else "delta_bpb gap") in caption
    assert "sentence mode" in caption and str(work / "sample") in caption and str(work / "model") in caption
    assert "bootstrap" in caption
    # The base comes from extra.json, the layer plans from sweep.json: their replicates resample
    # different draws, so criticality gets no interval, and the caption says why.
    assert all("lo" not in v for v in got)
    assert "replicates of two files do not pair" in caption
    # Ranks (1 = most critical) are paired among the layer plans of sweep.json.
    check_ranks(got, {g["plan"]: g for g in groups if g["group"] == "lr"}, key)


def paired_reps(group_row, key):
    """A group row's point then replicates of `key` (schema 2's "replicates")."""
    return np.array([group_row[key]] + group_row["replicates"][key], dtype=float)


def check_ranks(got, by_plan, key):
    """Rank of each layer plan's objective, ascending, ties averaged, per replicate (scipy), with
    numpy's linear-interpolation percentiles as the interval."""
    samples = np.stack([paired_reps(by_plan[v["plan"]], key) for v in got])  # [plan, 1 + replicate]
    ranks = scipy.stats.rankdata(samples, method="average", axis=0)
    for i, v in enumerate(got):
        lo, hi = np.percentile(ranks[i, 1:], [2.5, 97.5])
        assert (v["rank"], v["rank_lo"], v["rank_hi"]) == pytest.approx((ranks[i, 0], lo, hi), rel=1e-12)


def test_criticality_intervals_are_paired_within_one_file(work, tmp_path):
    """A sweep holding its base plan: criticality's interval is the percentile interval of the
    per-replicate difference base - plan, recomputed here from the file's replicates."""
    common = ["--model", work / "model", "--corpus", work / "sample", "--bootstrap", 200, "--threads", 2, "--quiet"]
    run_lq("eval", *common, "--plan", "base=int4", *sum((["--plan", p] for p in LAYER_PLANS), []),
           "--plan", "base=int4; keep fp16 layers=0,1", "--out", tmp_path / "paired.json")
    j = json.loads((tmp_path / "paired.json").read_text())
    assert j["schema_version"] == 2 and j["bootstrap"]["replicates"] == 200
    for p in j["plans"][2:]:
        ls = [int(x) for x in re.search(r"layers=([\d,]+)", p["plan"]).group(1).split(",")]
        p["tags"] = {"axis": "layers", "mode": "single" if len(ls) == 1 else "pairs", "layers": ls, "component": ""}
        if len(ls) == 1:
            p["tags"]["layer"] = ls[0]
    (tmp_path / "paired.json").write_text(json.dumps(j))
    run_lq("report", tmp_path / "paired.json", "--html", tmp_path / "r.html", "--md", tmp_path / "r.md",
           "--contrast", f"{LAYER_PLANS[0]} vs {LAYER_PLANS[1]}")
    base = j["plans"][1]["name"]
    by = {g["plan"]: g for g in j["groups"] if g["group"] == "lr"}
    key, _ = objective(j["groups"], [p["name"] for p in j["plans"][1:]])
    got = data_values(specs_of((tmp_path / "r.html").read_text())["s0-criticality-0"], "layers")
    assert len(got) == N_LAYER
    for v in got:
        d = paired_reps(by[base], key) - paired_reps(by[v["plan"]], key)
        assert len(d) == 201 and np.isfinite(d).all()
        lo, hi = np.percentile(d[1:], [2.5, 97.5])
        assert (v["crit"], v["lo"], v["hi"]) == pytest.approx((d[0], lo, hi), rel=1e-12, abs=1e-15)
    check_ranks(got, by, key)
    md = (tmp_path / "r.md").read_text()
    assert "criticality [95% CI]" in md and "rank [95% CI]" in md
    # Every plan against the base, and the pair's synergy: the Markdown's numbers (%.4g) are the
    # contrasts taken replicate by replicate, recomputed here.
    g4 = lambda x: "%.4g" % x  # noqa: E731
    ci = lambda d: f"{g4(d[0])} [{g4(np.percentile(d[1:], 2.5))}, {g4(np.percentile(d[1:], 97.5))}]"  # noqa: E731
    table = {l.split("|")[1].strip(): [c.strip() for c in l.split("|")[2:-1]]
             for l in md.split('### Each plan against "base=int4"')[1].split("###")[0].splitlines() if l.startswith("| base")}
    assert len(table) == N_LAYER + 1
    for name, cells in table.items():
        d = paired_reps(by[base], key) - paired_reps(by[name], key)
        assert cells[1] == ci(d), name
        lo, hi = np.percentile(d[1:], [2.5, 97.5])
        assert cells[2] == ("better" if lo > 0 else "worse" if hi < 0 else "no clear difference"), name
    pair, l0, l1 = "base=int4; keep fp16 layers=0,1", LAYER_PLANS[0], LAYER_PLANS[1]
    crit = {n: paired_reps(by[base], key) - paired_reps(by[n], key) for n in (pair, l0, l1)}
    row = next(l for l in md.split("### Synergy")[1].splitlines() if l.startswith(f"| {pair} |"))
    assert row.split("|")[2].strip() == f"{l0} + {l1}"
    assert row.split("|")[3].strip() == ci(crit[pair] - crit[l0] - crit[l1])
    # The contrast asked for: objective(B) - objective(A), paired.
    row = next(l for l in md.split("### Chosen contrasts")[1].splitlines() if l.startswith(f"| {l0} | {l1} |"))
    assert row.split("|")[6].strip() == ci(paired_reps(by[l1], key) - paired_reps(by[l0], key))
    ratio = paired_reps(by[l1], key) / paired_reps(by[l0], key)
    if row.split("|")[7].strip() != "unstable":  # the ratio needs A's interval to exclude 0
        assert row.split("|")[7].strip() == ci(ratio) + "x"


def test_pareto_front_is_the_undominated_set(work):
    specs = specs_of((work / "r.html").read_text())
    plans, _, groups = merged_inputs(work)
    names = [p["name"] for p in plans[1:]]
    _, obj = objective(groups, names)
    over = {p["name"]: 100 * p["overhead"] for p in plans}
    pts = [(n, over[n], obj[n]) for n in names if obj[n] is not None]
    front = {n for n, x, y in pts
             if not any(x2 <= x and y2 <= y and (x2 < x or y2 < y) for _, x2, y2 in pts)}
    spec = specs["s0-pareto"]
    assert {v["plan"] for v in data_values(spec, "front")} == front
    assert {v["plan"] for v in data_values(spec, "others")} == {n for n, _, _ in pts} - front
    for v in data_values(spec, "front") + data_values(spec, "others"):
        assert v["x"] == pytest.approx(over[v["plan"]], rel=1e-12)
        assert v["v"] == pytest.approx(obj[v["plan"]], rel=1e-12)


def test_statistic_vs_criticality_correlations(work):
    text = (work / "r.html").read_text()
    specs = specs_of(text)
    stats = json.loads((work / "stats.json").read_text())["layers"]
    crit = {int(v["layer"][1:]): v["crit"] for v in data_values(specs["s0-criticality-0"], "layers")}
    scatters = [i for i, kind, _ in figures_of(text) if kind == "scatter"]
    md = (work / "r.md").read_text()
    # A statistic constant over the layers (max_abs is 1.0, a layer norm's weight, in every layer
    # of a random model) has no correlation: the report says so instead of drawing it.
    varying = [k for k in ["kurtosis", "max_abs", "variance"] if len({s[k] for s in stats}) > 1]
    for k in set(["kurtosis", "max_abs", "variance"]) - set(varying):
        assert f"No correlation for {k} vs layer criticality: one of them is constant." in md
    assert len(scatters) == len(varying) > 0
    for stat in varying:
        x = [s[stat] for s in stats]
        y = [crit[s["layer"]] for s in stats]
        sid = next(i for i in scatters if specs[i]["title"]["text"].startswith(stat + " vs"))
        vals = data_values(specs[sid], "layers")
        assert [v["x"] for v in vals] == pytest.approx(x, rel=1e-12)
        assert [v["y"] for v in vals] == pytest.approx(y, rel=1e-12, abs=1e-15)
        row = next(l for l in md.splitlines() if l.startswith(f"| {stat} | layer |"))
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert float(cells[3].split()[0]) == pytest.approx(scipy.stats.pearsonr(x, y)[0], abs=6e-4)
        assert float(cells[5].split()[0]) == pytest.approx(scipy.stats.spearmanr(x, y)[0], abs=6e-4)


def test_markdown_strategy_table_matches_eval(work):
    md = (work / "r.md").read_text()
    # eval writes its Markdown beside its JSON; the report's strategy rows are the same text.
    extra = (work / "extra.md").read_text()
    lines = [l for l in extra.splitlines() if l.count("|") == 8 and l.split("|")[1].strip() in ("base=int8", "base=int3")]
    assert len(lines) == 2
    for line in lines:
        assert line in md.splitlines()


# ---- the HTML in a real browser ------------------------------------------------------------

class _Svg(html.parser.HTMLParser):
    """Counts the children of every Vega mark group named lq-*, per chart (figure id)."""

    def __init__(self):
        super().__init__()
        self.stack, self.figure, self.counts, self.attrs_seen = [], None, {}, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attrs_seen.append((tag, a))
        if tag == "figure":
            self.figure = a.get("id")
        parent = self.stack[-1] if self.stack else None
        if parent and parent[1]:
            key = (self.figure, parent[1])
            self.counts[key] = self.counts.get(key, 0) + 1
        cls = a.get("class", "") or ""
        mark = next((c for c in cls.split() if c.startswith("lq-")), None) if tag == "g" else None
        if tag not in ("path", "line", "text", "br", "meta", "img", "input"):
            self.stack.append((tag, mark))
        elif tag in ("path", "line", "text"):
            self.stack.append((tag, None))

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break


def chromium(*args):
    return subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                           "--virtual-time-budget=20000", *args], capture_output=True, text=True, timeout=60)


def png_pixels(path):
    """RGB(A) rows of an 8-bit PNG (the screenshot), decoded with zlib and the PNG filters."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = np.zeros(stride, dtype=np.int32)
    out = np.empty((h, stride), dtype=np.uint8)
    for y in range(h):
        f, line = raw[y * (stride + 1)], np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:  # 1 (sub), 3 (average), 4 (Paeth) depend on the pixel to the left: go pixel by pixel
            cur = np.zeros(stride, dtype=np.int32)
            for x in range(stride):
                a = cur[x - bpp] if x >= bpp else 0
                b, c = prev[x], prev[x - bpp] if x >= bpp else 0
                if f == 1:
                    p = a
                elif f == 3:
                    p = (a + b) // 2
                else:
                    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                    p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + p) & 255
        out[y] = cur
        prev = cur
    return out.reshape(h, w, bpp)[:, :, :3]


@pytest.fixture(scope="module")
def dom(work):
    if CHROMIUM is None:
        pytest.fail("chromium not installed (scripts/setup.sh installs it)")
    p = chromium("--dump-dom", (work / "r.html").as_uri())
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_every_chart_renders_one_mark_per_point(work, dom):
    text = (work / "r.html").read_text()
    figs = figures_of(text)
    kinds = [k for _, k, _ in figs]
    assert [kinds.count(k) for k in ["per-language", "criticality", "heatmap", "pareto"]] == [4, 1, 1, 1]
    assert kinds.count("scatter") >= 1
    m = re.search(r'<body[^>]*data-lq-rendered="(\d+)"', dom)
    assert m, "the page never finished drawing"
    assert int(m.group(1)) == len(figs)
    assert 'data-lq-failed="0"' in dom
    parser = _Svg()
    parser.feed(dom)
    specs = specs_of(text)
    main_mark = {"per-language": "lq-point", "criticality": "lq-bar", "heatmap": "lq-cell", "scatter": "lq-scatter-point"}
    for fid, kind, points in figs:
        if kind == "pareto":
            n = parser.counts.get((fid, "lq-front-point"), 0) + parser.counts.get((fid, "lq-pareto-point"), 0)
            assert parser.counts.get((fid, "lq-front-point"), 0) == len(data_values(specs[fid], "front")) > 0
            assert parser.counts.get((fid, "lq-front-label"), 0) == len(data_values(specs[fid], "front"))
        else:
            n = parser.counts.get((fid, main_mark[kind]), 0)
        assert n == int(points) > 0, (fid, kind)
        if kind == "per-language":
            bars = [v for v in data_values(specs[fid], "points") if v["lo"] is not None and v["hi"] is not None]
            assert parser.counts.get((fid, "lq-errorbar"), 0) == len(bars) > 0
        if kind == "heatmap":
            assert parser.counts.get((fid, "lq-cell-label"), 0) == int(points)
        if kind == "criticality":
            anti = [v for v in data_values(specs[fid], "layers") if v["crit"] < 0]
            assert parser.counts.get((fid, "lq-anti-label"), 0) == len(anti)
            ci = [v for v in data_values(specs[fid], "layers") if "lo" in v]
            assert parser.counts.get((fid, "lq-ci"), 0) == len(ci)
    # Every chart has a title drawn in the SVG and axis titles.
    assert dom.count('class="mark-text role-title-text') >= len(figs)
    assert dom.count('role-axis-title') >= 2 * len(figs)


def test_no_network_reference(work, dom):
    allowed = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/2000/xmlns/"}
    for text in [(work / "r.html").read_text(), dom, (work / "r.md").read_text()]:
        urls = set(re.findall(r"https?://[^\s\"'<>)]*", text))
        assert urls <= allowed, urls - allowed
    parser = _Svg()
    parser.feed(dom)
    for tag, a in parser.attrs_seen:
        assert not (a.get("src") or "").strip(), (tag, a)
        assert tag != "link"
    assert "default-src 'none'" in (work / "r.html").read_text()


def test_screenshot_is_not_blank(work, tmp_path):
    if CHROMIUM is None:
        pytest.fail("chromium not installed")
    shot = tmp_path / "shot.png"
    p = chromium(f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars", (work / "r.html").as_uri())
    assert p.returncode == 0 and shot.exists(), p.stderr
    px = png_pixels(shot)
    nonwhite = np.any(px < 245, axis=2).mean()
    colours = len(np.unique(px.reshape(-1, 3), axis=0))
    assert nonwhite > 0.02 and colours > 50, (nonwhite, colours)


def test_hostile_plan_names_are_escaped(work, tmp_path):
    j = json.loads((work / "sweep.json").read_text())
    old = j["plans"][2]["name"]
    j["plans"][2]["name"] = EVIL
    for r in j["rows"] + j["groups"]:
        if r["plan"] == old:
            r["plan"] = EVIL
    src = tmp_path / "evil.json"
    src.write_text(json.dumps(j))
    run_lq("report", src, "--html", tmp_path / "e.html", "--md", tmp_path / "e.md")
    text = (tmp_path / "e.html").read_text()
    assert "<img" not in text and EVIL not in text
    assert EVIL not in (tmp_path / "e.md").read_text().replace("\\|", "|")
    p = chromium("--dump-dom", (tmp_path / "e.html").as_uri())
    assert "<img" not in p.stdout
    assert re.search(r'data-lq-failed="0" data-lq-rendered="\d+"', p.stdout)
    assert html.escape(EVIL, quote=False) in p.stdout  # shown as text: in the table, escaped


# ---- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("content,what", [("{not json", "not valid JSON"), ('{"model":"m"}', "corpus"),
                                          ("[1,2]", "expected a JSON object")])
def test_bad_input_one_line_error_no_output(tmp_path, content, what):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    out = tmp_path / "o.html"
    p = run_lq("report", bad, "--html", out, check=False)
    assert p.returncode == 1
    assert p.stderr.count("\n") == 1 and str(bad) in p.stderr and what in p.stderr, p.stderr
    assert not out.exists() and not list(tmp_path.glob("o.html*"))


def test_missing_vega_is_a_clear_error(work, tmp_path):
    out = tmp_path / "o.html"
    p = run_lq("report", work / "sweep.json", "--html", out, "--vega-dir", tmp_path / "none", check=False)
    assert p.returncode == 1 and "libjs-vega" in p.stderr and p.stderr.count("\n") == 1
    assert not out.exists()
    p = run_lq("report", work / "sweep.json", check=False)
    assert p.returncode == 1 and "--html" in p.stderr


# ---- causal patching (report --patch) ---------------------------------------------------------

def test_patch_recovery_matrix(work, tmp_path):
    """`langquant patch` on the fixture's model, then `report --patch`: every heatmap cell is the
    JSON's share in %, unstable shares are grey 'unstable' cells, the tables carry the intervals,
    the answer names the best pooled patch, and Chromium draws one cell per (patch, language)."""
    run_lq("patch", "--model", work / "model", "--corpus", work / "sample", "--plan", "base=int4",
           "--patch", "block.0", "--patch", "block.1", "--patch", "attn.2+mlp.3", "--bootstrap", 200,
           "--threads", 2, "--quiet", "--out", tmp_path / "patch.json")
    j = json.loads((tmp_path / "patch.json").read_text())
    run_lq("report", "--patch", tmp_path / "patch.json", "--html", tmp_path / "p.html", "--md", tmp_path / "p.md")
    specs = specs_of((tmp_path / "p.html").read_text())
    assert set(specs) == {"p0-restore", "p0-inject"}
    langs = [l["lang"] for l in j["languages"]]
    for direction in ("restore", "inject"):
        cells = {(c["patch"], c["lang"]): c for c in data_values(specs[f"p0-{direction}"], "cells")}
        runs = [(l["lang"], r) for l in j["languages"] for r in l["runs"] if r["direction"] == direction]
        assert len(cells) == len(runs) == 3 * len(langs)
        for lang, r in runs:
            c = cells[(r["patch"], lang)]
            if r["unstable"] or r["share"] is None:
                assert c["v"] is None and c["label"] in ("unstable", "n/a")
            else:
                assert c["v"] == pytest.approx(100 * r["share"], rel=1e-12)
                assert (c["lo"], c["hi"]) == pytest.approx((100 * r["share_lo"], 100 * r["share_hi"]), rel=1e-12)
    pooled = next(l for l in j["languages"] if l["lang"] == "all")
    best = max((r for r in pooled["runs"] if r["direction"] == "restore" and not r["unstable"]),
               key=lambda r: r["share"], default=None)
    md = (tmp_path / "p.md").read_text()
    if best is not None:
        assert f"Restoring {best['patch']} recovers {100 * best['share']:.0f}% " in md
    assert "### Recovered share (restore), % [95% CI]" in md and "### Carried share (inject), % [95% CI]" in md
    if CHROMIUM is None:
        pytest.fail("chromium not installed (scripts/setup.sh installs it)")
    p = chromium("--dump-dom", (tmp_path / "p.html").as_uri())
    assert 'data-lq-failed="0"' in p.stdout and 'data-lq-rendered="2"' in p.stdout
    parser = _Svg()
    parser.feed(p.stdout)
    for direction in ("restore", "inject"):
        assert parser.counts.get((f"p0-{direction}", "lq-cell"), 0) == 3 * len(langs)
