"""Benchmark on the real GGUF models (Gemma 3 270M Q4_K_M, SmolLM2-135M Q4_1; installed by
scripts/real-models.sh, paths from LQ_GEMMA3_GGUF / LQ_SMOLLM2_GGUF or that script):
1. time to open each model (`langquant inspect`) and peak RSS against the file size;
2. stream-mode scoring throughput (windows of --ctx tokens, second half scored) of langquant
   beside llama.cpp (llama-cpp-python: the same token windows, logits of every position, the
   same NLL sum) on the same machine, runs interleaved A B A B, medians and the ratio.

Usage: .venv/bin/python bench/real_models.py [--lines N] [--ctx 512] [--repeats 3] [--threads 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BIN = os.environ.get("LANGQUANT_BIN", str(ROOT / "build/apps/cli/langquant"))
OUT = ROOT / "bench/out"


def model_paths():
    paths = {"gemma3": os.environ.get("LQ_GEMMA3_GGUF"), "smollm2": os.environ.get("LQ_SMOLLM2_GGUF")}
    if not all(paths.values()):
        # scripts/real-models.sh installs both (idempotent) and prints their paths, Gemma first.
        p = subprocess.run([str(ROOT / "scripts/real-models.sh")], capture_output=True, text=True)
        lines = [l for l in p.stdout.splitlines() if l.endswith(".gguf")]
        if len(lines) == 2:
            paths = {"gemma3": lines[0], "smollm2": lines[1]}
    missing = [k for k, v in paths.items() if not v or not Path(v).exists()]
    if missing:
        sys.exit(f"real models not installed ({', '.join(missing)}): run scripts/real-models.sh")
    return paths


def timed(cmd):
    """(seconds, peak RSS MB, stdout) of one command run under /usr/bin/time."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(p.stderr)
    return dt, int(p.stderr.strip().splitlines()[-1]) / 1024, p.stdout


def open_table(paths, repeats):
    print("| model | file MB | open s (median) | peak RSS MB | RSS / file |")
    print("|---|---:|---:|---:|---:|")
    for name, path in paths.items():
        runs = [timed([BIN, "inspect", path, "--json"]) for _ in range(repeats)]
        size = Path(path).stat().st_size / 1e6
        rss = max(r[1] for r in runs)
        print(f"| {name} | {size:.1f} | {statistics.median(r[0] for r in runs):.3f} | {rss:.0f} | {rss / size:.2f} |")


def corpus(lang, lines):
    d = OUT / f"ud-pud-{lang}-{lines}"
    d.mkdir(parents=True, exist_ok=True)
    text = (SHARED / "corpora/ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:lines]
    (d / f"{lang}.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    return d


def langquant_stream(path, corp, ctx, threads):
    res = OUT / "real-bench.json"
    dt, rss, _ = timed([BIN, "eval", "--model", path, "--corpus", str(corp), "--mode", "stream", "--ctx", str(ctx),
                        "--bootstrap", "0", "--threads", str(threads), "--quiet", "--out", str(res)])
    lang = json.loads(res.read_text())["languages"][0]
    return dt, rss, lang["tokens"], lang["nll"] if "nll" in lang else None


def stream_ids(path, corp):
    """The token stream langquant scores: the corpus lines joined by newlines, tokenized once."""
    text = "\n".join((next(corp.glob("*.txt"))).read_text(encoding="utf-8").splitlines())
    f = OUT / "stream.txt"
    f.write_text(text, encoding="utf-8")
    out = subprocess.run([BIN, "tokenize", "--model", path, "--text", text], capture_output=True, text=True, check=True)
    return [int(t) for t in out.stdout.split()]


def llama_cpp_stream(path, ids, ctx, threads):
    """llama.cpp over the same windows: load, evaluate each window, sum the NLL of its second half."""
    import llama_cpp
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=path, n_ctx=ctx, n_batch=ctx, n_ubatch=ctx, logits_all=True, verbose=False,
                          n_threads=threads, n_threads_batch=threads)
    nll, scored = 0.0, 0
    for w in range(len(ids) // ctx):
        window = ids[w * ctx:(w + 1) * ctx]
        llm.reset()
        llm.eval(window)
        logits = np.asarray(llm.scores[:ctx], dtype=np.float64)
        half = ctx // 2
        lg = logits[half - 1:ctx - 1]
        m = lg.max(axis=1, keepdims=True)
        lse = (m + np.log(np.exp(lg - m).sum(axis=1, keepdims=True)))[:, 0]
        nll += float((lse - lg[np.arange(len(lg)), window[half:ctx]]).sum())
        scored += ctx - half
    return time.perf_counter() - t0, scored, nll


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lang", default="en")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    paths = model_paths()
    open_table(paths, a.repeats)
    print()
    corp = corpus(a.lang, a.lines)
    print(f"Stream scoring, {a.lang} (first {a.lines} ud-pud lines), ctx {a.ctx}, {a.threads} threads, "
          f"interleaved x{a.repeats}, wall time including load:")
    print()
    print("| model | engine | scored tokens | median s | tokens/s | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    for name, path in paths.items():
        ids = stream_ids(path, corp)
        lq, cpp = [], []
        for _ in range(a.repeats):
            lq.append(langquant_stream(path, corp, a.ctx, a.threads))
            cpp.append(llama_cpp_stream(path, ids, a.ctx, a.threads))
        lq_s, cpp_s = statistics.median(r[0] for r in lq), statistics.median(r[0] for r in cpp)
        lq_t, cpp_t = lq[0][2], cpp[0][1]
        print(f"| {name} | langquant | {lq_t} | {lq_s:.1f} | {lq_t / lq_s:.0f} | {(lq_t / lq_s) / (cpp_t / cpp_s):.2f}x |")
        print(f"| {name} | llama.cpp (llama-cpp-python) | {cpp_t} | {cpp_s:.1f} | {cpp_t / cpp_s:.0f} | 1 |")


if __name__ == "__main__":
    main()
