"""langquant's ggml block dequantizers (core/ggml_dequantize) against ggml's own Python package,
gguf-py (gguf==0.19.0): gguf.quants.dequantize must give the same float32 values bit for bit, on
random blocks of every type langquant reads and on every tensor of two real GGUF models.

The C++ side runs through tests/tools/lq_dequant (raw bytes on stdin, float32 on stdout), which
expands through core/tensor_view's convert_to_f32: the path model weights take (the AVX2 kernels
where built); random blocks also go through the portable decoders."""
import os
import subprocess
from pathlib import Path

import gguf
import numpy as np
import pytest
from gguf import GGMLQuantizationType as Q

TOOL = os.environ.get("LQ_DEQUANT_BIN", str(Path(__file__).resolve().parents[2] / "build/tests/tools/lq_dequant"))

# Byte offsets of the f16 scale fields inside one block (ggml-common.h's block_* structs).
F16_FIELDS = {
    Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
    Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208],
    Q.IQ4_NL: [0], Q.IQ4_XS: [0],
}
BLOCK_TYPES = list(F16_FIELDS)


@pytest.fixture(scope="module")
def tool():
    if not Path(TOOL).is_file():
        pytest.fail(f"{TOOL} not found: build the lq_dequant target (or set LQ_DEQUANT_BIN)")
    return TOOL


def lq_dequant(tool, qtype, raw: bytes, offset=None, count=None, portable=False):
    args = [tool] + (["--portable"] if portable else []) + [qtype.name]
    args += [] if offset is None else [str(offset), str(count)]
    proc = subprocess.run(args, input=raw, capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    return np.frombuffer(proc.stdout, dtype=np.float32)


def reference(qtype, raw: np.ndarray) -> np.ndarray:
    """gguf-py's expansion of raw bytes (uint8 rows of whole blocks, or the plain array)."""
    with np.errstate(all="ignore"):  # inf * 0 in blocks with non-finite scales is expected
        return np.asarray(gguf.quants.dequantize(raw, qtype), dtype=np.float32).reshape(-1)


def assert_bitwise(ours: np.ndarray, ref: np.ndarray, what: str, nan_equal=False):
    assert ours.shape == ref.shape, f"{what}: {ours.shape} values, gguf gives {ref.shape}"
    a, b = ours.view(np.uint32), ref.view(np.uint32)
    differ = a != b
    if nan_equal:  # any NaN matches any NaN (payload and quiet bit aside)
        differ &= ~(np.isnan(ours) & np.isnan(ref))
    if differ.any():
        i = int(np.flatnonzero(differ)[0])
        pytest.fail(f"{what}: {int(differ.sum())} of {a.size} values differ; first at {i}: "
                    f"{ours[i]!r} ({a[i]:#010x}) vs gguf {ref[i]!r} ({b[i]:#010x})")


def random_blocks(qtype, n_blocks, rng, finite_scales=True):
    block_bytes = gguf.GGML_QUANT_SIZES[qtype][1]
    raw = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)
    if finite_scales:
        for off in F16_FIELDS[qtype]:
            h = raw[:, off:off + 2].copy().view(np.uint16)
            h = np.where((h & 0x7C00) == 0x7C00, h & np.uint16(0xBFFF), h)  # exponent 31 -> 15
            raw[:, off:off + 2] = h.view(np.uint8)
    return raw


@pytest.mark.parametrize("portable", [False, True], ids=["kernels", "portable"])
@pytest.mark.parametrize("qtype", BLOCK_TYPES, ids=lambda t: t.name)
def test_random_blocks_bitwise(tool, qtype, portable):
    rng = np.random.default_rng(1000 + int(qtype))
    raw = random_blocks(qtype, 4096, rng)
    assert_bitwise(lq_dequant(tool, qtype, raw.tobytes(), portable=portable), reference(qtype, raw), qtype.name)


@pytest.mark.parametrize("qtype", BLOCK_TYPES, ids=lambda t: t.name)
def test_random_blocks_with_inf_and_nan_scales(tool, qtype):
    """Unrestricted bytes: infinite and NaN scales. Finite results bitwise, NaN where gguf has NaN."""
    rng = np.random.default_rng(2000 + int(qtype))
    raw = random_blocks(qtype, 4096, rng, finite_scales=False)
    for off in F16_FIELDS[qtype]:  # make non-finite scales common
        raw[::7, off + 1] |= 0x7C
    assert_bitwise(lq_dequant(tool, qtype, raw.tobytes()), reference(qtype, raw), qtype.name, nan_equal=True)


@pytest.mark.parametrize("qtype", BLOCK_TYPES, ids=lambda t: t.name)
def test_element_ranges_inside_blocks(tool, qtype):
    """convert_to_f32 on ranges that start and end inside blocks equals the slice of the whole."""
    rng = np.random.default_rng(3000 + int(qtype))
    raw = random_blocks(qtype, 9, rng)
    ref = reference(qtype, raw)
    for _ in range(12):
        offset = int(rng.integers(0, ref.size))
        count = int(rng.integers(0, ref.size - offset + 1))
        assert_bitwise(lq_dequant(tool, qtype, raw.tobytes(), offset, count), ref[offset:offset + count],
                       f"{qtype.name} [{offset}, +{count})")


def test_plain_types(tool):
    rng = np.random.default_rng(4)
    raw = rng.integers(0, 256, size=(3 * 4099,), dtype=np.uint8)
    assert_bitwise(lq_dequant(tool, Q.F32, raw[:4 * 3000].tobytes()), reference(Q.F32, raw[:4 * 3000]), "F32")
    assert_bitwise(lq_dequant(tool, Q.BF16, raw[:2 * 5000].tobytes()), reference(Q.BF16, raw[:2 * 5000]), "BF16")
    # numpy keeps a signalling NaN signalling when widening a half; langquant quiets it as the
    # F16C instruction (and so ggml on x86) does. Every non-NaN value must match bitwise.
    assert_bitwise(lq_dequant(tool, Q.F16, raw[:2 * 5000].tobytes()), reference(Q.F16, raw[:2 * 5000]),
                   "F16", nan_equal=True)


def model_path(request, fixture, env):
    try:
        return Path(request.getfixturevalue(fixture))
    except pytest.FixtureLookupError:
        p = os.environ.get(env)
        if not p or not Path(p).is_file():
            pytest.skip(f"no {fixture} fixture and {env} unset: real GGUF model not available")
        return Path(p)


CHUNK_VALUES = 1 << 23  # compare big tensors a slab of rows at a time (bounded memory)


def check_every_tensor(tool, path):
    reader = gguf.GGUFReader(str(path))
    seen = set()
    for t in reader.tensors:
        qtype = Q(t.tensor_type)
        data = t.data
        rows = data.reshape((-1, data.shape[-1])) if data.ndim > 1 else data.reshape((1, -1))
        per_row = max(1, CHUNK_VALUES // max(1, int(np.prod(t.shape)) // rows.shape[0]))
        for r0 in range(0, rows.shape[0], per_row):
            part = rows[r0:r0 + per_row]
            assert_bitwise(lq_dequant(tool, qtype, part.tobytes()), reference(qtype, part),
                           f"{path.name}: {t.name} ({qtype.name}) rows {r0}..")
        seen.add(qtype.name)
    return seen


def test_every_tensor_of_gemma3_q4_k_m(tool, request):
    seen = check_every_tensor(tool, model_path(request, "gemma3_gguf", "LQ_GEMMA3_GGUF"))
    assert {"Q4_K", "Q6_K"} <= seen


def test_every_tensor_of_smollm2_q4_1(tool, request):
    seen = check_every_tensor(tool, model_path(request, "smollm2_gguf", "LQ_SMOLLM2_GGUF"))
    assert "Q4_1" in seen
