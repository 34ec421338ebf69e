"""langquant's ggml block writers (quant/ggml_blocks.h, quant/kquants*.cpp) against ggml itself:
the libggml-base.so that llama-cpp-python (0.3.36, tests/oracle/requirements.txt) bundles, called
through ctypes. Every output must be byte-identical to

  * ggml_quantize_chunk(type, rows, quant_weights)  -- what llama-quantize writes, with an
    imatrix (quant_weights = one importance value per column) and without (NULL), and
  * quantize_row_<type>_ref                          -- ggml's plain reference writer,

for Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS (and the weighted Q4_0/Q4_1/Q5_0/Q5_1/Q8_0),
on vectors built from the formats' definitions (all-zero, constant, subnormal, below ggml's
1e-15 all-zero threshold, huge and f16-overflowing, one outlier, one-signed, on-grid) and on
random normal, Laplace and Student-t rows. The bytes are then expanded by gguf-py
(gguf.quants.dequantize) and by ggml's dequantize_row_*: the two must agree bit for bit.

The C++ side runs through tests/tools/lq_quantize_rows (raw float32 rows in, blocks out)."""
import ctypes
import importlib.util
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

gguf = pytest.importorskip("gguf", reason="gguf (tests/oracle/requirements.txt) is not installed")
from gguf import GGMLQuantizationType as Q  # noqa: E402

TOOL = os.environ.get("LQ_QUANTIZE_ROWS",
                      str(Path(__file__).resolve().parents[2] / "build/tests/tools/lq_quantize_rows"))

K_TYPES = [Q.Q2_K, Q.Q3_K, Q.Q4_K, Q.Q5_K, Q.Q6_K, Q.IQ4_NL, Q.IQ4_XS]
LEGACY = [Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0]
ALL_TYPES = K_TYPES + LEGACY


def _find_libggml():
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    for d in spec.submodule_search_locations:
        lib = Path(d) / "lib" / "libggml-base.so"
        if lib.is_file():
            return lib
    return None


@pytest.fixture(scope="module")
def ggml():
    path = _find_libggml()
    if path is None:
        pytest.skip("llama-cpp-python (tests/oracle/requirements.txt) is not installed: "
                    "no libggml-base.so to compare the K-quant writers with")
    lib = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
    for name in ["ggml_quantize_chunk", "ggml_row_size"] + [f"quantize_row_{ggml_name(t)}_ref" for t in ALL_TYPES]:
        if not hasattr(lib, name):
            pytest.skip(f"{path} does not export {name}")
    lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                        ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    lib.ggml_quantize_chunk.restype = ctypes.c_size_t
    lib.ggml_row_size.argtypes = [ctypes.c_int, ctypes.c_int64]
    lib.ggml_row_size.restype = ctypes.c_size_t
    return lib


@pytest.fixture(scope="module")
def tool():
    if not Path(TOOL).is_file():
        pytest.fail(f"{TOOL} not found: build the lq_quantize_rows target (or set LQ_QUANTIZE_ROWS)")
    return TOOL


def ggml_name(t):
    """ggml's function-name spelling: q4_K, iq4_nl, q8_0."""
    return t.name.lower().replace("_k", "_K")


def ptr(a):
    return a.ctypes.data_as(ctypes.c_void_p)


def ggml_chunk(lib, t, x, qw):
    rows, cols = x.shape
    out = np.zeros(rows * lib.ggml_row_size(t.value, cols), dtype=np.uint8)
    n = lib.ggml_quantize_chunk(t.value, ptr(x), ptr(out), 0, rows, cols, None if qw is None else ptr(qw))
    assert n == out.size
    return out.tobytes()


def ggml_ref(lib, t, x):
    rows, cols = x.shape
    out = np.zeros(rows * lib.ggml_row_size(t.value, cols), dtype=np.uint8)
    f = getattr(lib, f"quantize_row_{ggml_name(t)}_ref")
    f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    f.restype = None
    row = lib.ggml_row_size(t.value, cols)
    for r in range(rows):  # one call per row: IQ4_NL's _ref carries state between blocks of a call
        xr = np.ascontiguousarray(x[r])
        o = np.zeros(row, dtype=np.uint8)
        f(ptr(xr), ptr(o), cols)
        out[r * row:(r + 1) * row] = o
    return out.tobytes()


def ggml_dequant(lib, t, raw, n):
    f = getattr(lib, f"dequantize_row_{ggml_name(t)}")
    f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    f.restype = None
    src = np.frombuffer(raw, dtype=np.uint8).copy()
    y = np.zeros(n, dtype=np.float32)
    f(ptr(src), ptr(y), n)
    return y


def ours(tool, tmp_path, t, x, qw=None, reference=False):
    rows, cols = x.shape
    xin, qin, out = tmp_path / "x.f32", tmp_path / "w.f32", tmp_path / "out.bin"
    x.astype("<f4").tofile(xin)
    args = [tool, t.name.lower(), str(cols), str(xin), str(out)]
    if qw is not None:
        qw.astype("<f4").tofile(qin)
        args += ["--weights", str(qin)]
    if reference:
        args += ["--reference"]
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


def assert_same_blocks(lib, t, x, got, want, what):
    if got == want:
        return
    cols = x.shape[1]
    bb = lib.ggml_row_size(t.value, cols) // (cols // gguf.GGML_QUANT_SIZES[t][0])
    g, w = np.frombuffer(got, np.uint8), np.frombuffer(want, np.uint8)
    assert g.size == w.size, f"{what}: {g.size} bytes, ggml writes {w.size}"
    bad = np.flatnonzero(g != w)
    blocks = sorted(set((bad // bb).tolist()))
    b = blocks[0]
    pytest.fail(f"{t.name} {what}: {len(blocks)} of {g.size // bb} blocks differ; first block {b} "
                f"(bytes {[int(i) - b * bb for i in bad[:12] if i // bb == b]}):\n"
                f"ours {g[b * bb:(b + 1) * bb].tolist()}\nggml {w[b * bb:(b + 1) * bb].tolist()}")


# ---- inputs --------------------------------------------------------------------------------

COLS = 512  # two super-blocks, sixteen 32-weight blocks


def fixed_rows():
    """Rows built from the formats' definitions: each exercises a branch of ggml's searches."""
    rng = np.random.default_rng(7)
    n = COLS
    normal = rng.standard_normal(n).astype(np.float32)
    rows = {
        "zero": np.zeros(n),
        "negative_zero": -np.zeros(n),
        "constant": np.full(n, 0.75),
        "constant_negative": np.full(n, -3.25),
        "constant_tiny": np.full(n, 1e-3),
        "subnormal": np.full(n, 1e-40) * np.sign(normal),
        "one_subnormal": np.where(np.arange(n) == 37, 3e-39, 0.0),
        "below_group_eps": normal * 1e-16,   # ggml treats |max| < 1e-15 as all zero
        "near_group_eps": normal * 1e-14,
        "huge": normal * 1e30,
        "near_flt_max": np.sign(normal) * 3.0e38,
        "f16_overflow": normal * 1e6,        # scales above 65504 are stored as inf
        "f16_edge": np.sign(normal) * 65504.0 * 63,
        "one_outlier": np.where(np.arange(n) == 300, 40.0, normal * 0.02),
        "negative_outlier": np.where(np.arange(n) == 5, -40.0, normal * 0.02),
        "negative_only": -np.abs(normal),
        "positive_only": np.abs(normal) + 0.5,
        "ramp": np.linspace(-1.0, 1.0, n),
        "on_grid": (rng.integers(-8, 8, n) * 0.125),
        "two_levels": np.where(normal > 0, 1.0, -1.0),
        "sparse": np.where(rng.random(n) < 0.05, normal, 0.0),
        "zero_then_values": np.where(np.arange(n) < 32, 0.0, normal),   # leading all-zero block
        "values_then_zero": np.where((np.arange(n) // 32) % 2 == 1, 0.0, normal),
        "one_zero_subblock": np.where((np.arange(n) // 16) == 3, 0.0, normal),
        "ties": np.round(normal * 4) / 4 + 0.5,
        "one_nan": np.where(np.arange(n) == 70, np.nan, normal),     # codes of degenerate scales
        "one_inf": np.where(np.arange(n) == 70, -np.inf, normal),
        "iq4_grid": np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113] * (n // 16),
                             dtype=np.float32) / 127.0,
    }
    return {k: np.asarray(v, dtype=np.float32) for k, v in rows.items()}


def random_rows(seed, rows=12, cols=1024):
    rng = np.random.default_rng(seed)
    parts = [
        rng.standard_normal((4, cols)) * 0.02,                         # typical weight scale
        rng.standard_normal((2, cols)) * 3.0,
        rng.laplace(size=(2, cols)) * 0.05,
        rng.standard_t(1.5, size=(2, cols)) * 0.01,                    # heavy tails (outliers)
        rng.standard_t(3.0, size=(2, cols)) - 0.02,                    # off-centre
    ]
    return np.ascontiguousarray(np.concatenate(parts)[:rows], dtype=np.float32)


def importance(cols, kind, seed=3):
    rng = np.random.default_rng(seed)
    if kind == "lognormal":   # like an imatrix: sums of x^2, spread over orders of magnitude
        return np.exp(rng.standard_normal(cols) * 1.5).astype(np.float32)
    if kind == "with_zeros":  # columns that calibration never activated
        w = np.exp(rng.standard_normal(cols)).astype(np.float32)
        w[rng.random(cols) < 0.2] = 0.0
        return w
    if kind == "ones":
        return np.ones(cols, dtype=np.float32)
    if kind == "zeros":
        return np.zeros(cols, dtype=np.float32)
    raise ValueError(kind)


FIXED = fixed_rows()


def fixed_matrix(t, reference=False):
    names = [k for k in FIXED if not (reference and t == Q.IQ4_NL and k in ("zero", "negative_zero",
                                                                                "zero_then_values", "below_group_eps",
                                                                                "one_subnormal", "subnormal"))]
    return names, np.stack([FIXED[k] for k in names])


# ---- tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("t", K_TYPES, ids=lambda t: t.name)
def test_reference_writers_fixed(ggml, tool, tmp_path, t):
    # IQ4_NL's _ref leaves a leading all-zero block's codes uninitialised (its d is 0, so any
    # codes decode to 0): rows that start with such a block are compared without it.
    names, x = fixed_matrix(t, reference=True)
    assert_same_blocks(ggml, t, x, ours(tool, tmp_path, t, x, reference=True), ggml_ref(ggml, t, x),
                       f"quantize_row_{ggml_name(t)}_ref on {names}")


@pytest.mark.parametrize("t", ALL_TYPES, ids=lambda t: t.name)
def test_chunk_without_imatrix_fixed(ggml, tool, tmp_path, t):
    names, x = fixed_matrix(t)
    for i, name in enumerate(names):  # one row at a time, so that a failure names its vector
        xi = x[i:i + 1]
        assert_same_blocks(ggml, t, xi, ours(tool, tmp_path, t, xi), ggml_chunk(ggml, t, xi, None),
                           f"ggml_quantize_chunk(imatrix=NULL) on '{name}'")


@pytest.mark.parametrize("kind", ["lognormal", "with_zeros", "ones", "zeros"])
@pytest.mark.parametrize("t", ALL_TYPES, ids=lambda t: t.name)
def test_chunk_with_imatrix_fixed(ggml, tool, tmp_path, t, kind):
    names, x = fixed_matrix(t)
    qw = importance(COLS, kind)
    for i, name in enumerate(names):
        xi = x[i:i + 1]
        assert_same_blocks(ggml, t, xi, ours(tool, tmp_path, t, xi, qw), ggml_chunk(ggml, t, xi, qw),
                           f"ggml_quantize_chunk(imatrix={kind}) on '{name}'")


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("t", ALL_TYPES, ids=lambda t: t.name)
def test_random_rows(ggml, tool, tmp_path, t, seed):
    x = random_rows(seed)
    cols = x.shape[1]
    assert_same_blocks(ggml, t, x, ours(tool, tmp_path, t, x), ggml_chunk(ggml, t, x, None),
                       f"ggml_quantize_chunk(imatrix=NULL), random rows seed {seed}")
    for kind in ("lognormal", "with_zeros"):
        qw = importance(cols, kind, seed)
        assert_same_blocks(ggml, t, x, ours(tool, tmp_path, t, x, qw), ggml_chunk(ggml, t, x, qw),
                           f"ggml_quantize_chunk(imatrix={kind}), random rows seed {seed}")
    if t in K_TYPES:
        assert_same_blocks(ggml, t, x, ours(tool, tmp_path, t, x, reference=True), ggml_ref(ggml, t, x),
                           f"quantize_row_{ggml_name(t)}_ref, random rows seed {seed}")


@pytest.mark.parametrize("t", ALL_TYPES, ids=lambda t: t.name)
def test_gguf_py_expands_our_blocks_as_ggml(ggml, tool, tmp_path, t):
    x = np.concatenate([random_rows(5), np.stack(list(FIXED.values()))[:, :COLS].repeat(2, axis=1)])
    qw = importance(x.shape[1], "lognormal")
    for weights in (None, qw):
        raw = ours(tool, tmp_path, t, x, weights)
        with np.errstate(all="ignore"):
            ref = np.asarray(gguf.quants.dequantize(np.frombuffer(raw, np.uint8).reshape(x.shape[0], -1), t),
                             dtype=np.float32).reshape(-1)
        mine = ggml_dequant(ggml, t, raw, x.size)
        differ = (ref.view(np.uint32) != mine.view(np.uint32)) & ~(np.isnan(ref) & np.isnan(mine))
        assert not differ.any(), f"{t.name}: gguf-py and ggml expand {int(differ.sum())} values differently"
        finite = np.isfinite(x).all(axis=1) & (np.abs(x).max(axis=1) < 6e4)
        assert np.isfinite(ref.reshape(x.shape)[finite]).all(), f"{t.name}: non-finite values from finite input"


def test_rows_not_a_multiple_of_the_block_are_refused(tool, tmp_path):
    x = np.zeros((1, 640), dtype=np.float32)  # Gemma 3 270M's width: 2.5 super-blocks
    (tmp_path / "x.f32").write_bytes(x.tobytes())
    proc = subprocess.run([tool, "q4_k", "640", str(tmp_path / "x.f32"), str(tmp_path / "o.bin")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "q4_k" in proc.stderr and "256" in proc.stderr and "640" in proc.stderr


# ---- whole real tensors ------------------------------------------------------------------------

def _real_matrices(path, names):
    """The named tensors of a GGUF file expanded to float32 [rows, cols] by gguf-py."""
    reader = gguf.GGUFReader(str(path))
    out = {}
    for t in reader.tensors:
        if t.name in names:
            x = np.asarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32)
            out[t.name] = np.ascontiguousarray(x.reshape(-1, int(t.shape[0])))
    assert set(out) == set(names), f"{path}: missing {set(names) - set(out)}"
    return out


def _check_real(ggml, tool, tmp_path, matrices):
    for name, x in matrices.items():
        qw = importance(x.shape[1], "lognormal", seed=x.shape[0])
        for t in ALL_TYPES:
            for weights in ((None, qw) if t in K_TYPES else (qw,)):  # plain Q4_0..Q8_0: test_quant_numpy
                assert_same_blocks(ggml, t, x, ours(tool, tmp_path, t, x, weights), ggml_chunk(ggml, t, x, weights),
                                   f"{name} {list(x.shape)} imatrix={'lognormal' if weights is not None else 'NULL'}")


def test_whole_tensors_of_gemma3(ggml, tool, tmp_path, gemma3_gguf):
    # Widths 640 (not a multiple of 256) cannot hold K-quants: the tensors whose rows can.
    _check_real(ggml, tool, tmp_path, _real_matrices(gemma3_gguf, ["blk.0.ffn_down.weight",
                                                                   "blk.17.attn_output.weight"]))


def test_whole_tensors_of_smollm2(ggml, tool, tmp_path, smollm2_gguf):
    _check_real(ggml, tool, tmp_path, _real_matrices(smollm2_gguf, ["blk.0.ffn_down.weight",
                                                                    "blk.29.ffn_down.weight"]))
