"""The quantization simulator (src/quant) against independent numpy re-implementations of
int4 per-tensor symmetric, int8 per-channel, int4 asymmetric groups of 32, and ggml's q4_0,
q8_0 and q5_1, written from the format definitions (src/quant/int_grid.h, ggml_blocks.h).

Every step is one IEEE float32 operation in both implementations, evaluated in the same order
(the C++ library is built with -ffp-contract=off), so the results must be bit-identical:
the tolerance is 0, not 1 ulp.

The C++ side runs through the test-only tool quant_dump (tests/quant), found at
build/tests/quant/quant_dump or at $LQ_QUANT_DUMP."""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

DUMP = Path(os.environ.get("LQ_QUANT_DUMP",
                           Path(__file__).resolve().parents[2] / "build/tests/quant/quant_dump"))
F32 = np.float32


def run_cpp(fmt, w, tmp_path):
    if not DUMP.is_file():
        pytest.fail(f"{DUMP} not found: build the quant_dump target (or set LQ_QUANT_DUMP)")
    rows, cols = w.shape
    src, dst = tmp_path / "in.f32", tmp_path / "out.f32"
    w.astype("<f4").tofile(src)
    proc = subprocess.run([str(DUMP), "--format", fmt, "--rows", str(rows), "--cols", str(cols),
                           str(src), str(dst)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return np.fromfile(dst, dtype="<f4").reshape(rows, cols)


# ---- numpy references, straight from the definitions -------------------------------------

def f16_scale(s):
    """A scale stored as F16: rounded to nearest even, saturated to [2^-24, 65504]; 0 stays 0."""
    h = s.astype(np.float16).astype(F32)
    h = np.where(np.isinf(h), F32(65504), h)
    return np.where((s > 0) & (h == 0), F32(2.0 ** -24), h).astype(F32)


def safe_div(a, s):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, a / np.where(s > 0, s, F32(1)), F32(0)).astype(F32)


def int_sym(w, bits, scale_of):
    """code = clip(rint(w/s), -qmax, qmax), value = code*s; scale_of(absmax) gives s."""
    qmax = F32(2 ** (bits - 1) - 1)
    s = scale_of(np.abs(w).max(axis=-1, keepdims=True) / qmax)
    return (np.clip(np.rint(safe_div(w, s)), -qmax, qmax) * s).astype(F32)


def int4_tensor(w):
    qmax = F32(7)
    s = F32(np.abs(w).max()) / qmax  # per-tensor scale kept in f32
    return (np.clip(np.rint(w / s), -qmax, qmax) * s).astype(F32)


def int8_chan(w):
    return int_sym(w, 8, f16_scale)


def int_asym_groups(w, bits, g):
    rows, cols = w.shape
    x = w.reshape(rows, cols // g, g)
    top = F32(2 ** bits - 1)
    lo = np.minimum(x.min(axis=-1, keepdims=True), F32(0))
    hi = np.maximum(x.max(axis=-1, keepdims=True), F32(0))
    s = f16_scale((hi - lo) / top)
    z = np.clip(np.rint(safe_div(-lo, s)), F32(0), top)
    q = np.clip(np.rint(safe_div(x, s)) + z, F32(0), top)
    return ((q - z) * s).astype(F32).reshape(rows, cols)


def blocks(w):
    rows, cols = w.shape
    return w.reshape(rows, cols // 32, 32)


def inverse(d):
    with np.errstate(divide="ignore"):
        return np.where(d != 0, F32(1) / np.where(d != 0, d, F32(1)), F32(0)).astype(F32)


def to_f16(v):
    return v.astype(np.float16).astype(F32)


def q4_0(w):
    x = blocks(w)
    first = np.argmax(np.abs(x), axis=-1)[..., None]  # first index of the largest magnitude
    signed_max = np.take_along_axis(x, first, axis=-1)
    d = signed_max / F32(-8)
    codes = np.minimum(15, np.trunc(x * inverse(d) + F32(8.5)).astype(np.int32))
    return ((codes - 8).astype(F32) * to_f16(d)).reshape(w.shape)


def round_half_away(v):
    t = np.trunc(v)
    return t + np.sign(v) * (np.abs(v - t) >= F32(0.5))


def q8_0(w):
    x = blocks(w)
    d = np.abs(x).max(axis=-1, keepdims=True) / F32(127)
    codes = round_half_away(x * inverse(d)).astype(np.int32)
    return (codes.astype(F32) * to_f16(d)).reshape(w.shape)


def q5_1(w):
    x = blocks(w)
    lo = x.min(axis=-1, keepdims=True)
    d = (x.max(axis=-1, keepdims=True) - lo) / F32(31)
    codes = np.trunc((x - lo) * inverse(d) + F32(0.5)).astype(np.int32)
    return (codes.astype(F32) * to_f16(d) + to_f16(lo)).reshape(w.shape)


REFERENCES = {
    "int4": int4_tensor,
    "int8-chan": int8_chan,
    "int4-asym-g32": lambda w: int_asym_groups(w, 4, 32),
    "q4_0": q4_0,
    "q8_0": q8_0,
    "q5_1": q5_1,
}


def matrices():
    rng = np.random.default_rng(1234)
    normal = (rng.standard_normal((64, 256)) * 0.02).astype(F32)
    heavy = (rng.standard_t(2, size=(48, 512)) * 0.01).astype(F32)
    row_scaled = (rng.standard_normal((32, 384)) * np.exp2(-np.arange(32) % 7)[:, None]).astype(F32)
    shifted = (rng.standard_normal((16, 128)) * 0.1 + 0.3).astype(F32)  # all-positive groups
    ties = np.round(rng.standard_normal((8, 64)) * 4).astype(F32)  # exact halves and equal maxima
    return {"normal": normal, "heavy": heavy, "row_scaled": row_scaled, "shifted": shifted, "ties": ties}


@pytest.mark.parametrize("fmt", sorted(REFERENCES))
@pytest.mark.parametrize("name", sorted(matrices()))
def test_matches_numpy_bit_exactly(fmt, name, tmp_path):
    w = matrices()[name]
    got = run_cpp(fmt, w, tmp_path)
    want = REFERENCES[fmt](w)
    assert want.dtype == F32
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    assert np.array_equal(got, want), (
        f"{fmt} on {name}: {np.count_nonzero(diff)} values differ, max abs diff {diff.max()}")
    # and the quantization actually did something
    assert not np.array_equal(got, w)


def test_rejects_rows_not_multiple_of_32(tmp_path):
    w = np.zeros((2, 48), dtype=F32)
    w.astype("<f4").tofile(tmp_path / "in.f32")
    proc = subprocess.run([str(DUMP), "--format", "q4_0", "--rows", "2", "--cols", "48",
                           str(tmp_path / "in.f32"), str(tmp_path / "out.f32")],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "32" in proc.stderr
