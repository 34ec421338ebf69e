"""Time to quantize Gemma 3 270M to Q4_K_M with an importance matrix: `langquant export
base=Q4_K_M; imatrix=F --to gguf` beside llama.cpp's llama_model_quantize (llama-cpp-python),
interleaved, same thread count, same F16 source, same imatrix. Each run is its own process (wall
time and peak RSS from /usr/bin/time); the outputs are checked byte-identical per tensor.

  .venv/bin/python bench/export_gguf.py [--threads 2] [--rounds 3] [--model .venv/models/gemma-3-270m-q4_k_m.gguf]

The F16 source (the GGUF's dequantized tensors) and a synthetic imatrix (every blk.* matrix,
column sums of squares log-uniform over four decades, 64 tokens) are made once under bench/out."""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "oracle"))

import numpy as np  # noqa: E402

import llama_quantize as lq_llama  # noqa: E402

LLAMA_RUN = """
import sys, llama_quantize as q
q.quantize(sys.argv[1], sys.argv[2], "Q4_K_M", imatrix=q.imatrix_weights(sys.argv[3]), nthread=int(sys.argv[4]))
"""


def timed(cmd, env=None):
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{p.stderr[-2000:]}")
    return wall, int(p.stderr.strip().splitlines()[-1]) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--model", default=str(ROOT / ".venv/models/gemma-3-270m-q4_k_m.gguf"))
    ap.add_argument("--langquant", default=str(ROOT / "build/apps/cli/langquant"))
    a = ap.parse_args()
    out = ROOT / "bench" / "out" / "export"
    out.mkdir(parents=True, exist_ok=True)
    f16 = out / "gemma3-f16.gguf"
    if not f16.exists():
        lq_llama.f16_copy(a.model, f16)
    im = out / "imatrix.gguf"
    if not im.exists():
        rng = np.random.default_rng(0)
        r = lq_llama.gguf.GGUFReader(str(f16))
        sums = {t.name: (64 * 10.0 ** rng.uniform(-3, 1, int(t.shape[0]))).astype(np.float32)
                for t in r.tensors if len(t.shape) == 2 and t.name.startswith("blk.")}
        lq_llama.write_imatrix(im, sums, 64.0)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tests" / "oracle"), OMP_NUM_THREADS=str(a.threads))
    rows = []
    for i in range(a.rounds):
        for engine in ("langquant", "llama.cpp"):
            dst = out / f"{engine}.gguf"
            load = os.getloadavg()[0]
            if engine == "langquant":
                cmd = [a.langquant, "export", f"base=Q4_K_M; imatrix={im}", "--model", str(f16), "--to", "gguf",
                       "--out", str(dst), "--threads", str(a.threads)]
            else:
                cmd = [sys.executable, "-c", LLAMA_RUN, str(f16), str(dst), str(im), str(a.threads)]
            wall, rss = timed(cmd, env)
            rows.append((i, engine, wall, rss, load))
            print(f"round {i} {engine:9s} {wall:7.2f} s  peak RSS {rss:6.0f} MB  load {load:.1f}", flush=True)
    ours, ref = lq_llama.tensors(out / "langquant.gguf"), lq_llama.tensors(out / "llama.cpp.gguf")
    same = ours == ref
    print(f"byte-identical tensors: {same} ({len(ours)} tensors)")
    print("\n| engine | threads | runs | median s | min s | peak RSS MB | load avg (1 min) at start |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for engine in ("langquant", "llama.cpp"):
        r = [x for x in rows if x[1] == engine]
        w = sorted(x[2] for x in r)
        print(f"| {engine} | {a.threads} | {len(r)} | {w[len(w) // 2]:.1f} | {w[0]:.1f} | "
              f"{max(x[3] for x in r):.0f} | {', '.join(f'{x[4]:.1f}' for x in r)} |")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
