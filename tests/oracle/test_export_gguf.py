"""`langquant export PLAN --to gguf` against llama.cpp itself. SmolLM2-135M and Gemma 3 270M are
written back as F16 GGUFs (their dequantized tensors), then quantized twice: by llama.cpp's
llama_model_quantize (llama-cpp-python) and by langquant's export of the same plan. Every tensor
must be byte-identical (type, shape and data, read with gguf-py): for the mixtures Q4_K_M, Q8_0
and Q3_K_M, for --tensor-type overrides (a plan's whole-tensor rules), and with an importance
matrix (passed to llama.cpp as llama_model_imatrix_data, the per-column weights llama-quantize
derives from the imatrix file langquant reads). llama.cpp must load langquant's file and give
finite logits equal to those of its own file. Plans GGUF cannot express are refused in one
line naming the rule, with no file written."""
import os
import sys

import numpy as np
import pytest

from conftest import run_lq

gguf = pytest.importorskip("gguf")
llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python not installed: no llama.cpp to compare with")

import llama_quantize as lq_llama  # noqa: E402  (needs gguf and llama_cpp)


@pytest.fixture(scope="module")
def f16_models(tmp_path_factory, request):
    made = {}

    def get(fixture):
        if fixture not in made:
            src = request.getfixturevalue(fixture)
            dst = tmp_path_factory.mktemp("export-f16") / f"{fixture}-f16.gguf"
            lq_llama.f16_copy(src, dst)
            made[fixture] = dst
        return made[fixture]
    return get


def _matrices(path):
    """name -> row length of every 2-D tensor of a GGUF (what an imatrix covers)."""
    r = gguf.GGUFReader(str(path))
    return {t.name: int(t.shape[0]) for t in r.tensors if len(t.shape) == 2}


def _synthetic_imatrix(path, f16, seed):
    """Column sums of squares spread over four orders of magnitude for every blk.* matrix
    (llama-imatrix collects only those), 64 tokens each, with the edge cases of real matrices:
    some columns never active (0) and a whole 32-column block of zeros; returns llama-quantize's
    weights."""
    rng = np.random.default_rng(seed)
    count = 64.0
    sums = {n: (count * 10.0 ** rng.uniform(-3, 1, cols)).astype(np.float32)
            for n, cols in _matrices(f16).items() if n.startswith("blk.")}
    for s in sums.values():
        s[rng.random(s.size) < 0.05] = 0
        s[64:96] = 0
    lq_llama.write_imatrix(path, sums, count)
    return {n: (s / np.float32(count)).astype(np.float32) for n, s in sums.items()}


def _assert_identical(ours, theirs, what):
    a, b = lq_llama.tensors(ours), lq_llama.tensors(theirs)
    assert set(a) == set(b), f"{what}: tensor names differ: {sorted(set(a) ^ set(b))}"
    bad = [f"{n}: langquant {a[n][0]} {a[n][1]}, llama.cpp {b[n][0]} {b[n][1]}"
           + ("" if a[n][:2] != b[n][:2] else " (same type, different bytes)")
           for n in sorted(a) if a[n] != b[n]]
    assert not bad, f"{what}: {len(bad)} of {len(a)} tensors differ:\n" + "\n".join(bad[:20])
    return a


def _export(plan, model, out, *extra):
    return run_lq("export", plan, "--model", model, "--to", "gguf", "--out", out, "--threads", "2", *extra)


CASES = {
    "smollm2_gguf": ["Q4_K_M", "Q8_0", "Q3_K_M"],
    "gemma3_gguf": ["Q4_K_M", "Q3_K_M"],  # Q8_0 on SmolLM2 only (CI time)
}


@pytest.mark.parametrize("fixture", list(CASES))
def test_mixtures_are_byte_identical_to_llama_quantize(f16_models, tmp_path, fixture):
    f16 = f16_models(fixture)
    for mixture in CASES[fixture]:
        ref, ours = tmp_path / f"llama-{mixture}.gguf", tmp_path / f"lq-{mixture}.gguf"
        lq_llama.quantize(f16, ref, mixture)
        _export(f"base={mixture}", f16, ours)
        t = _assert_identical(ours, ref, f"{fixture} {mixture}")
        # Not vacuous: the mixture really quantized (and, on these widths, fell back somewhere).
        kinds = {v[0] for v in t.values()}
        assert kinds - {"F32", "F16"}, kinds
        r_ours, r_ref = gguf.GGUFReader(str(ours)), gguf.GGUFReader(str(ref))
        for key in ("general.file_type", "tokenizer.ggml.model", "tokenizer.ggml.tokens", "general.architecture"):
            assert r_ours.fields[key].contents() == r_ref.fields[key].contents(), key
        ours.unlink()
        ref.unlink()


def test_overrides_and_imatrix_are_byte_identical_to_llama_quantize(f16_models, tmp_path):
    # SmolLM2: 30 layers of width 576 (its q4_k falls back to q5_0) and ffn_down rows of 1536.
    f16 = f16_models("smollm2_gguf")
    im = tmp_path / "im.gguf"
    weights = _synthetic_imatrix(im, f16, seed=1)
    # Rules as --tensor-type overrides: layers 0 and 29 at q8_0, every ffn_up at q6_k.
    plan = "base=Q4_K_M; keep q8_0 layers=0,-1; keep q6_k name=blk.*.ffn_up.weight"
    overrides = [(r"blk\.(0|29)\.", "q8_0"), (r"ffn_up", "q6_k")]
    ref, ours = tmp_path / "llama-over.gguf", tmp_path / "lq-over.gguf"
    lq_llama.quantize(f16, ref, "Q4_K_M", overrides=overrides)
    _export(plan, f16, ours)
    _assert_identical(ours, ref, "SmolLM2 Q4_K_M with overrides")
    # With the importance matrix: Q4_K_M, and Q3_K_M (q3_k / q4_0 / q5_k writers take weights).
    for mixture in ("Q4_K_M", "Q3_K_M"):
        ref, ours, plain = (tmp_path / f"{p}-{mixture}-im.gguf" for p in ("llama", "lq", "plain"))
        lq_llama.quantize(f16, ref, mixture, imatrix=weights)
        out = _export(f"base={mixture}; imatrix={im}", f16, ours).stdout
        assert "with importance weights" in out, out
        t = _assert_identical(ours, ref, f"SmolLM2 {mixture} with an imatrix")
        # The weights changed the blocks: the same plan without them differs on quantized matrices.
        _export(f"base={mixture}", f16, plain)
        p = lq_llama.tensors(plain)
        changed = [n for n in weights if t[n][0] not in ("Q8_0", "F16") and t[n][2] != p[n][2]]
        assert len(changed) >= 0.9 * sum(t[n][0] not in ("Q8_0", "F16") for n in weights), changed
        r = gguf.GGUFReader(str(ours))
        assert r.fields["quantize.imatrix.entries_count"].contents() == len(weights)
        for f in (ref, ours, plain):
            f.unlink()


def test_gemma3_with_an_imatrix_is_byte_identical(f16_models, tmp_path):
    f16 = f16_models("gemma3_gguf")
    im = tmp_path / "im.gguf"
    weights = _synthetic_imatrix(im, f16, seed=2)
    ref, ours = tmp_path / "llama.gguf", tmp_path / "lq.gguf"
    lq_llama.quantize(f16, ref, "Q4_K_M", imatrix=weights)
    _export(f"base=Q4_K_M; imatrix={im}", f16, ours)
    _assert_identical(ours, ref, "Gemma 3 Q4_K_M with an imatrix")


def test_llama_quantize_script_writes_the_gguf_export(f16_models, tmp_path):
    # The script's command (overrides file, output type, a mixed imatrix file) through llama.cpp
    # gives the same tensors as the gguf export of the plan.
    f16 = f16_models("smollm2_gguf")
    for lang, seed in (("en", 3), ("ar", 4)):
        _synthetic_imatrix(tmp_path / f"im.{lang}.gguf", f16, seed)
    plan = ("base=Q4_K_M; keep q8_0 layers=0,-1; keep q6_k name=blk.*.ffn_up.weight; output_tensor_type=q8_0; "
            f"imatrix={tmp_path / 'im.gguf'}:en=0.7,ar=0.3")
    script = tmp_path / "plan.sh"
    run_lq("export", plan, "--model", f16, "--to", "llama-quantize", "--out", script)
    words = lq_llama.run_script(script, f16, tmp_path / "llama.gguf")
    assert "--imatrix" in words and "--tensor-type-file" in words and "--output-tensor-type" in words, words
    assert (tmp_path / "plan.tensor-types.txt").exists() and (tmp_path / "plan.imatrix.gguf").exists()
    _export(plan, f16, tmp_path / "lq.gguf")
    _assert_identical(tmp_path / "lq.gguf", tmp_path / "llama.gguf", "llama-quantize script vs gguf export")
    # A plan without a mixture is refused for this target, naming the base.
    p = run_lq("export", "base=q4_0; keep fp32 kind=norm", "--model", f16, "--to", "llama-quantize",
               "--out", tmp_path / "x.sh", check=False)
    assert p.returncode != 0 and "base=q4_0" in p.stderr and "llama-quantize" in p.stderr, p.stderr
    assert not (tmp_path / "x.sh").exists()


TEXT = b"Quantized models forget some languages more than others: \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d, hello."


def _logits(path):
    m = llama_cpp.Llama(model_path=str(path), n_ctx=64, n_threads=2, logits_all=True, verbose=False)
    tokens = m.tokenize(TEXT)
    m.eval(tokens)
    out = np.array(m.scores[: len(tokens)], dtype=np.float32)
    del m
    return out


@pytest.mark.parametrize("fixture", ["smollm2_gguf", "gemma3_gguf"])
def test_llama_cpp_loads_the_export(f16_models, tmp_path, fixture):
    f16 = f16_models(fixture)
    ours, ref = tmp_path / "lq.gguf", tmp_path / "llama.gguf"
    _export("base=Q4_K_M; keep q8_0 layers=0", f16, ours)
    lq_llama.quantize(f16, ref, "Q4_K_M", overrides=[(r"blk\.0\.", "q8_0")])
    got = _logits(ours)
    assert len(got) >= 8 and np.isfinite(got).all() and got.std() > 0.1
    np.testing.assert_array_equal(got, _logits(ref))


@pytest.mark.parametrize("plan,rule", [
    ("base=int4-g128", "base=int4-g128"),
    ("base=Q4_K_M; keep fp16 top=1%", "rule 'keep fp16 top=1%'"),
    ("base=Q4_K_M; keep fp16 random=1% seed=2", "rule 'keep fp16 random=1% seed=2'"),
    ("base=Q4_K_M; keep int8 layers=0", "rule 'keep int8 layers=0'"),
    ("base=q8_0", "base=q8_0"),  # norms would be q8_0: llama.cpp computes them in F32 only
])
def test_inexpressible_plans_are_refused(smollm2_gguf, tmp_path, plan, rule):
    out = tmp_path / "x.gguf"
    p = run_lq("export", plan, "--model", smollm2_gguf, "--to", "gguf", "--out", out, check=False)
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and rule in lines[0] and "gguf" in lines[0], p.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_plain_plans_with_f32_norms_export(smollm2_gguf, tmp_path):
    # A lower-case base with the norms kept F32 is expressible: q4_0 everywhere else.
    out = tmp_path / "q.gguf"
    _export("base=q4_0; keep fp32 kind=norm,bias", smollm2_gguf, out)
    types = {v[0] for v in lq_llama.tensors(out).values()}
    assert types == {"Q4_0", "F32"}, types


def _verify(plan, model, gguf_file, shared):
    out = run_lq("verify-export", plan, "--model", model, "--gguf", gguf_file, "--corpus", shared / "corpora" / "ud-pud",
                 "--langs", "en,ar", "--sentences", "6", "--ctx", "64", "--threads", "2",
                 "--python", os.environ.get("LQ_PYTHON", sys.executable)).stdout
    rows = {l.split()[0]: l.split() for l in out.splitlines() if l.split() and l.split()[0] in ("en", "ar", "all")}
    assert set(rows) == {"en", "ar", "all"}, out
    return {k: float(v[-1]) for k, v in rows.items()}, out


def test_verify_export_scores_the_file_beside_the_simulation(smollm2_gguf, tmp_path, shared):
    # F32 weights: llama.cpp's forward and langquant's agree to rounding: within the 0.1%
    # (measured 0.003% over 800 tokens, 0.04% over en's 64; llama.cpp's KV cache is F16).
    f32 = tmp_path / "f32.gguf"
    _export("base=fp32", smollm2_gguf, f32)
    diff, out = _verify("base=fp32", smollm2_gguf, f32, shared)
    assert all(abs(d) < 0.1 for d in diff.values()), out
    # Q4_K_M: the weights are the same bytes, but llama.cpp's K-quant dot products round the
    # activations to 8-bit blocks (Q8_K); measured +0.4% (ar) to +1.7% (de) in ppl on 10 sentences.
    q = tmp_path / "q.gguf"
    _export("base=Q4_K_M", smollm2_gguf, q)
    diff, out = _verify("base=Q4_K_M", smollm2_gguf, q, shared)
    assert all(abs(d) < 5 for d in diff.values()), out
    # Without llama_cpp: one line, naming the interpreter.
    p = run_lq("verify-export", "base=fp32", "--model", smollm2_gguf, "--gguf", f32, "--corpus",
               shared / "corpora" / "ud-pud", "--python", "/nonexistent/python", check=False)
    assert p.returncode != 0 and "cannot import llama_cpp" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_plan_show_names_the_imatrix(smollm2_gguf, tmp_path):
    im = tmp_path / "im.gguf"
    weights = _synthetic_imatrix(im, smollm2_gguf, seed=5)
    import json
    j = json.loads(run_lq("plan", "show", f"base=Q4_K_M; imatrix={im}", "--model", smollm2_gguf, "--json").stdout)
    assert j["plan"]["imatrix"] == str(im)
    marked = {t["canonical"] for t in j["tensors"] if t["imatrix"]}
    assert marked == set(weights), sorted(marked ^ set(weights))  # every blk.* matrix, nothing else
    assert len({t["imatrix_hash"] for t in j["tensors"] if t["imatrix"]}) == len(marked)
    text = run_lq("plan", "show", f"base=Q4_K_M; imatrix={im}", "--model", smollm2_gguf).stdout
    assert f"imatrix {im}: importance weights on {len(weights)} tensors" in text
    assert text.count("+imatrix") == len(weights)
