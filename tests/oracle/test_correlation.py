"""langquant correlate against scipy: Pearson and Spearman r (1e-12), the permutation p-value
against scipy.stats.permutation_test (within Monte-Carlo error), key joining, filters and
JSON paths, and bad input (one-line error, no output file)."""
import json

import numpy as np
import pytest
from scipy import stats

from conftest import run_lq


def write_csv(path, keys, values, header=("layer", "value")):
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(header) + "\n")
        for k, v in zip(keys, values):
            f.write(f"{k},{v!r}\n")


def correlate(*args):
    out = run_lq("correlate", *args, "--json").stdout
    j = json.loads(out)
    return {c["method"]: c for c in j["correlations"]}, j


@pytest.mark.parametrize("n,ties", [(12, False), (14, True), (40, False)])
def test_r_matches_scipy(tmp_path, n, ties):
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    y = 0.4 * x + rng.normal(size=n)
    if ties:  # repeated values exercise average ranks
        x = np.round(x, 0)
        y = np.round(y * 2) / 2
    keys = [f"k{i}" for i in range(n)]
    # y written in a different order: pairs must be joined by key, not by position.
    order = rng.permutation(n)
    write_csv(tmp_path / "x.csv", keys, x)
    write_csv(tmp_path / "y.csv", [keys[i] for i in order], y[order])
    got, j = correlate("--x", tmp_path / "x.csv", "--y", tmp_path / "y.csv", "--bootstrap", 200,
                       "--permutations", 200)
    assert got["pearson"]["n"] == n
    assert abs(got["pearson"]["r"] - stats.pearsonr(x, y)[0]) < 1e-12
    assert abs(got["spearman"]["r"] - stats.spearmanr(x, y)[0]) < 1e-12
    for c in got.values():
        assert c["lo"] <= c["r"] <= c["hi"]
    assert [p["key"] for p in j["pairs"]] == keys


def test_permutation_p_matches_scipy(tmp_path):
    rng = np.random.default_rng(5)
    n = 15
    x = rng.normal(size=n)
    y = 0.35 * x + rng.normal(size=n)
    write_csv(tmp_path / "x.csv", range(n), x)
    write_csv(tmp_path / "y.csv", range(n), y)
    m = 20000
    got, _ = correlate("--x", tmp_path / "x.csv", "--y", tmp_path / "y.csv", "--bootstrap", 0,
                       "--permutations", m, "--seed", 3)
    def r_vec(a, b, axis=-1):
        a = a - a.mean(axis=axis, keepdims=True)
        b = b - b.mean(axis=axis, keepdims=True)
        return (a * b).sum(axis) / np.sqrt((a * a).sum(axis) * (b * b).sum(axis))

    def rho_vec(a, b, axis=-1):
        return r_vec(stats.rankdata(a, axis=axis), stats.rankdata(b, axis=axis), axis)

    assert abs(r_vec(x, y) - stats.pearsonr(x, y)[0]) < 1e-12  # the vectorised statistics are scipy's
    assert abs(rho_vec(x, y) - stats.spearmanr(x, y)[0]) < 1e-12
    for method, stat in (("pearson", r_vec), ("spearman", rho_vec)):
        ref = stats.permutation_test((x, y), stat, permutation_type="pairings", n_resamples=m,
                                     alternative="two-sided", random_state=1, vectorized=True).pvalue
        # Both are Monte-Carlo estimates of the same p: allow 4 standard errors of each.
        se = np.sqrt(ref * (1 - ref) / m)
        assert abs(got[method]["p_value"] - ref) < 4 * np.sqrt(2) * se + 2 / m, (method, got[method], ref)
        assert 0.001 < ref < 0.5  # the test data sit where the p-value is informative


def test_same_seed_same_answer(tmp_path):
    rng = np.random.default_rng(9)
    write_csv(tmp_path / "x.csv", range(10), rng.normal(size=10))
    write_csv(tmp_path / "y.csv", range(10), rng.normal(size=10))
    args = ("--x", tmp_path / "x.csv", "--y", tmp_path / "y.csv", "--seed", 4, "--bootstrap", 300,
            "--permutations", 300)
    assert correlate(*args)[0] == correlate(*args)[0]


def test_json_paths_filters_and_skipped_nulls(tmp_path):
    layers = {"layers": [{"layer": i, "variance": float(v)} for i, v in enumerate([1.0, 2.5, 2.0, 4.0, 3.5])]}
    (tmp_path / "stats.json").write_text(json.dumps(layers))
    # Several plans per layer, one with a null value (an unstable ratio) that must be skipped.
    sweep = [{"plan": p, "layer": i, "lr_disparity": (None if (p == "a" and i == 2) else float(i * i + (p == "b")))}
             for p in ("a", "b") for i in range(5)]
    (tmp_path / "sweep.json").write_text(json.dumps({"rows": sweep}))
    got, j = correlate("--x", f"{tmp_path}/stats.json:layers.variance",
                       "--y", f"{tmp_path}/sweep.json:rows.lr_disparity?plan=a", "--bootstrap", 50,
                       "--permutations", 50)
    assert j["y"]["skipped"] == 1
    keys = [p["key"] for p in j["pairs"]]
    assert keys == ["0", "1", "3", "4"]
    x = [1.0, 2.5, 4.0, 3.5]
    y = [0.0, 1.0, 9.0, 16.0]
    assert abs(got["pearson"]["r"] - stats.pearsonr(x, y)[0]) < 1e-12
    # An object of numbers is a series keyed by its keys.
    (tmp_path / "fert.json").write_text(json.dumps({"fertility": {"en": 1.1, "he": 3.0, "zh": 2.2, "ar": 2.9}}))
    (tmp_path / "deg.csv").write_text("lang,plan,degradation\nen,x,0.01\nhe,x,0.9\nzh,x,0.3\nar,x,0.5\n")
    got, _ = correlate("--x", f"{tmp_path}/fert.json:fertility", "--y", f"{tmp_path}/deg.csv:degradation",
                       "--method", "spearman", "--bootstrap", 0, "--permutations", 0)
    assert list(got) == ["spearman"]
    assert abs(got["spearman"]["r"] - stats.spearmanr([1.1, 3.0, 2.2, 2.9], [0.01, 0.9, 0.3, 0.5])[0]) < 1e-12


def test_nested_arrays_fan_out_with_parent_fields(tmp_path):
    """activations.json-shaped input: languages[].layers[] -> one record per (lang, layer)."""
    rng = np.random.default_rng(2)
    vals = {lang: rng.normal(size=6) for lang in ("en", "ar")}
    doc = {"languages": [{"lang": lang, "layers": [{"layer": i, "mean_abs": float(v)} for i, v in enumerate(vs)]}
                         for lang, vs in vals.items()]}
    (tmp_path / "act.json").write_text(json.dumps(doc))
    kurt = rng.normal(size=6)
    (tmp_path / "stats.json").write_text(json.dumps({"layers": [{"layer": i, "kurtosis": float(k)}
                                                               for i, k in enumerate(kurt)]}))
    got, j = correlate("--x", f"{tmp_path}/stats.json:layers.kurtosis",
                       "--y", f"{tmp_path}/act.json:languages.layers.mean_abs?lang=ar",
                       "--bootstrap", 0, "--permutations", 0)
    assert [p["key"] for p in j["pairs"]] == [str(i) for i in range(6)]
    assert abs(got["spearman"]["r"] - stats.spearmanr(kurt, vals["ar"])[0]) < 1e-12
    # Without the filter every layer appears once per language: an error, not a silent pick.
    p = run_lq("correlate", "--x", f"{tmp_path}/stats.json:layers.kurtosis",
               "--y", f"{tmp_path}/act.json:languages.layers.mean_abs", check=False)
    assert p.returncode == 1 and "appears twice" in p.stderr


@pytest.mark.parametrize("content,spec_suffix,message", [
    ("layer,value\n0,1\n0,2\n1,3\n2,4\n", "", "appears twice"),
    ("layer,value\n0,1\n1,abc\n2,4\n", "", "not a number"),
    ("layer,value\n0,1\n1,2\n", ":nosuch", "no column 'nosuch'"),
    ("layer,value\n0,1\n1,2,3\n", "", "fields"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, content, spec_suffix, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    write_csv(tmp_path / "ok.csv", range(5), [1.0, 2.0, 3.5, 3.0, 5.0])
    out = tmp_path / "out.json"
    proc = run_lq("correlate", "--x", f"{bad}{spec_suffix}", "--y", tmp_path / "ok.csv", "--out", out, check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "bad.csv" in proc.stderr
    assert not out.exists()


def test_too_few_common_keys(tmp_path):
    write_csv(tmp_path / "x.csv", ["a", "b", "c"], [1.0, 2.0, 3.0])
    write_csv(tmp_path / "y.csv", ["a", "b", "z"], [1.0, 2.0, 3.0])
    proc = run_lq("correlate", "--x", tmp_path / "x.csv", "--y", tmp_path / "y.csv", check=False)
    assert proc.returncode == 1 and "keys in common" in proc.stderr


# ---- several pairs pooled, and the language table -------------------------------------------

def within(v, groups, rank):
    """Each group's values (scipy ranks for Spearman) minus the group's mean."""
    out = np.empty(len(v))
    for g in np.unique(groups):
        m = groups == g
        t = stats.rankdata(v[m]) if rank else v[m]
        out[m] = t - t.mean()
    return out


def test_pooled_correlation_is_the_within_group_r(tmp_path):
    """Three 'models' share a per-language relation but differ by an offset: the pooled r is
    Pearson's r of the within-model deviations (numpy), and its permutation p (shuffles within
    models) agrees with scipy's permutation_test over within-model pairings."""
    rng = np.random.default_rng(11)
    langs = [f"l{i}" for i in range(12)]
    args, xs, ys = [], [], []
    for m in range(3):
        x = rng.normal(size=12)
        y = 0.5 * x + rng.normal(size=12) + 10 * m  # a model that degrades everything more
        x = x + 3 * m                               # ... and tokenizes everything worse
        write_csv(tmp_path / f"x{m}.csv", langs, x, header=("lang", "premium"))
        write_csv(tmp_path / f"y{m}.csv", langs, y, header=("lang", "disparity"))
        args += ["--x", tmp_path / f"x{m}.csv", "--y", tmp_path / f"y{m}.csv"]
        xs.append(x)
        ys.append(y)
    out = run_lq("correlate", *args, "--bootstrap", 300, "--permutations", 5000, "--seed", 2, "--json").stdout
    j = json.loads(out)
    assert len(j["groups"]) == 3 and "within-group" in j["pooling"]
    for g, x, y in zip(j["groups"], xs, ys):
        assert abs({c["method"]: c for c in g["correlations"]}["pearson"]["r"] - stats.pearsonr(x, y)[0]) < 1e-12
    pooled = {c["method"]: c for c in j["pooled"]}
    x, y, groups = np.concatenate(xs), np.concatenate(ys), np.repeat(np.arange(3), 12)
    for method, rank in (("pearson", False), ("spearman", True)):
        cx, cy = within(x, groups, rank), within(y, groups, rank)
        want = (cx * cy).sum() / np.sqrt((cx * cx).sum() * (cy * cy).sum())
        assert pooled[method]["n"] == 36
        assert abs(pooled[method]["r"] - want) < 1e-12, method
        assert pooled[method]["lo"] <= pooled[method]["r"] <= pooled[method]["hi"]
    # The naive pooled r is dominated by the offsets; the within r is not.
    assert stats.pearsonr(x, y)[0] > 0.9 > 0.7 > pooled["pearson"]["r"]
    # Permutation p of the pooled Pearson r, shuffling y only within each model.
    cx, cy = within(x, groups, False), within(y, groups, False)
    ref = stats.permutation_test((cy[:12], cy[12:24], cy[24:]), lambda a, b, c, axis=-1: np.abs(
        (np.concatenate([cx[:12] * a, cx[12:24] * b, cx[24:] * c], axis=axis)).sum(axis)),
        permutation_type="pairings", n_resamples=5000, alternative="greater", random_state=1,
        vectorized=True).pvalue
    se = np.sqrt(ref * (1 - ref) / 5000)
    assert abs(pooled["pearson"]["p_value"] - ref) < 4 * np.sqrt(2) * se + 2 / 5000, (pooled["pearson"], ref)


def test_language_table_indicator_is_point_biserial(tmp_path):
    """@languages:script=Latn is 1 for Latin-script languages; its Pearson r with a measurement
    is scipy's point-biserial r. An override file adds a numeric column."""
    table = run_lq("correlate", "--list-languages").stdout.splitlines()
    header = table[0].split("\t")
    rows = {l.split("\t")[0]: dict(zip(header, l.split("\t"))) for l in table[1:]}
    langs = ["ar", "de", "en", "fi", "he", "hi", "ja", "ru", "tr", "zh"]
    y = np.array([3.0, 1.2, 1.0, 2.2, 2.9, 2.5, 1.8, 1.6, 2.0, 2.4])
    write_csv(tmp_path / "d.csv", langs, y, header=("lang", "disparity"))
    got, j = correlate("--x", "@languages:script=Latn", "--y", tmp_path / "d.csv", "--bootstrap", 0,
                       "--permutations", 0)
    latin = np.array([1.0 if rows[l]["script"] == "Latn" else 0.0 for l in langs])
    assert [p["x"] for p in j["pairs"]] == list(latin)
    assert abs(got["pearson"]["r"] - stats.pointbiserialr(latin, y)[0]) < 1e-12
    (tmp_path / "mine.tsv").write_text("code\tjoshi\n" + "".join(f"{l}\t{i % 5 + 1}\n" for i, l in enumerate(langs)))
    got, _ = correlate("--x", "@languages:joshi", "--y", tmp_path / "d.csv", "--languages", tmp_path / "mine.tsv",
                       "--bootstrap", 0, "--permutations", 0)
    assert abs(got["spearman"]["r"] - stats.spearmanr([i % 5 + 1 for i in range(10)], y)[0]) < 1e-12
    bad = run_lq("correlate", "--x", "@languages:joshi", "--y", tmp_path / "d.csv", check=False)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "no column 'joshi'" in bad.stderr
