"""Benchmark on the real GGUF models (Gemma 3 270M Q4_K_M, SmolLM2-135M Q4_1; installed by
scripts/real-models.sh, paths from LQ_GEMMA3_GGUF / LQ_SMOLLM2_GGUF or that script):
1. time to open each model (`langquant inspect`) and peak RSS against the file size;
2. stream-mode scoring throughput (windows of --ctx tokens, second half scored) of langquant
   beside llama.cpp (llama-cpp-python: the same token windows, logits of every position, the
   same NLL sum, checked to be over the same number of scored tokens) on the same machine, runs
   interleaved A B A B, medians; langquant's time is one whole `eval` process, llama.cpp's both
   whole (load + forward + NLL in numpy) and forward passes alone.

Usage: .venv/bin/python bench/real_models.py [--lines N] [--ctx 512] [--repeats 3] [--threads 2]
(--lines 44: English's first 44 lines hold just over 1024 Gemma 3 tokens, two windows of 512.)
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
    """One `langquant eval --mode stream` process: (wall s, peak RSS MB, scored tokens, NLL sum).
    The wall time includes process start, opening the model, tokenizing and scoring."""
    res = OUT / "real-bench.json"
    dt, rss, _ = timed([BIN, "eval", "--model", path, "--corpus", str(corp), "--mode", "stream", "--ctx", str(ctx),
                        "--bootstrap", "0", "--threads", str(threads), "--quiet", "--out", str(res)])
    lang = json.loads(res.read_text())["languages"][0]
    return dt, rss, lang["tokens"], lang["nll_total"]


def stream_ids(path, corp):
    """The token stream langquant scores: the corpus lines joined by newlines, tokenized once."""
    text = "\n".join((next(corp.glob("*.txt"))).read_text(encoding="utf-8").splitlines())
    f = OUT / "stream.txt"
    f.write_text(text, encoding="utf-8")
    out = subprocess.run([BIN, "tokenize", "--model", path, "--text", text], capture_output=True, text=True, check=True)
    return [int(t) for t in out.stdout.split()]


def llama_cpp_stream(path, ids, ctx, threads):
    """llama.cpp over the same windows (no BOS added, as langquant's stream windows): load, then per
    window evaluate all ctx tokens (logits_all: the head runs on every position) and sum the NLL of
    the second half in numpy. Returns (total s, load s, eval s, scored tokens, NLL sum); eval s is
    llama.cpp's forward passes alone, total adds the load and the NLL arithmetic."""
    import llama_cpp
    t0 = time.perf_counter()
    llm = llama_cpp.Llama(model_path=path, n_ctx=ctx, n_batch=ctx, n_ubatch=ctx, logits_all=True, verbose=False,
                          n_threads=threads, n_threads_batch=threads)
    load = time.perf_counter() - t0
    nll, scored, ev = 0.0, 0, 0.0
    half = ctx // 2
    for w in range(len(ids) // ctx):
        window = ids[w * ctx:(w + 1) * ctx]
        llm.reset()
        t1 = time.perf_counter()
        llm.eval(window)
        ev += time.perf_counter() - t1
        # Row p predicts token p + 1: rows half-1 .. ctx-2 score tokens half .. ctx-1.
        lg = np.asarray(llm.scores[half - 1:ctx - 1], dtype=np.float32)
        m = lg.max(axis=1)
        lse = m.astype(np.float64) + np.log(np.exp(lg - m[:, None]).sum(axis=1, dtype=np.float64))
        nll += float((lse - lg[np.arange(len(lg)), window[half:ctx]]).sum())
        scored += ctx - half
    return time.perf_counter() - t0, load, ev, scored, nll


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
    load = os.getloadavg()
    print(f"Stream scoring, {a.lang} (first {a.lines} ud-pud lines), ctx {a.ctx}, {a.threads} threads, "
          f"interleaved x{a.repeats}, load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}:")
    print()
    print("| model | engine | scored tokens | median s (all) | tokens/s (all) | median s (forward only) "
          "| tokens/s (forward only) | NLL sum | ppl |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, path in paths.items():
        ids = stream_ids(path, corp)
        lq, cpp = [], []
        for _ in range(a.repeats):
            lq.append(langquant_stream(path, corp, a.ctx, a.threads))
            cpp.append(llama_cpp_stream(path, ids, a.ctx, a.threads))
        lq_s = statistics.median(r[0] for r in lq)
        cpp_s, cpp_ev = statistics.median(r[0] for r in cpp), statistics.median(r[2] for r in cpp)
        lq_t, lq_nll, cpp_t, cpp_nll = lq[0][2], lq[0][3], cpp[0][3], cpp[0][4]
        if lq_t != cpp_t:
            sys.exit(f"{name}: langquant scored {lq_t} tokens, llama.cpp {cpp_t}: not the same windows")
        print(f"| {name} | langquant eval | {lq_t} | {lq_s:.2f} | {lq_t / lq_s:.0f} | – | – | {lq_nll:.2f} "
              f"| {np.exp(lq_nll / lq_t):.3f} |")
        print(f"| {name} | llama.cpp (llama-cpp-python) | {cpp_t} | {cpp_s:.2f} | {cpp_t / cpp_s:.0f} | {cpp_ev:.2f} "
              f"| {cpp_t / cpp_ev:.0f} | {cpp_nll:.2f} | {np.exp(cpp_nll / cpp_t):.3f} |")
        sys.stdout.flush()
    load = os.getloadavg()
    print()
    print(f"load average at end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")


if __name__ == "__main__":
    main()
