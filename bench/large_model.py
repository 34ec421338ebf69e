"""Benchmark: scoring a 7B Llama-shaped BF16 checkpoint (random weights; hidden 4096, 32
layers, 32 heads, FFN 11008, untied head over GPT-2's 50,257-token vocabulary: 6.9B parameters,
13.8 GB) on this 24 GiB machine, at full precision and (with --plan) under quantization plans
scored in the same pass. Weights stay memory-mapped in BF16 and are converted to F32 one 64 MiB
slab at a time inside each matrix multiply; a plan's matrices are held as packed codes and
scales and expanded the same way.

No PyTorch column: transformers would need 27.6 GB to hold the model in F32, more than the
machine has, and its BF16 CPU matmuls in torch 1.13 are not a fair reference.

Usage: .venv/bin/python bench/large_model.py [--sentences N] [--langs en,de,...] [--plan P ...]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BIN = os.environ.get("LANGQUANT_BIN", str(ROOT / "build/apps/cli/langquant"))
OUT = ROOT / "bench/out"


def make_checkpoint():
    ckpt = OUT / "llama-7b-bf16"
    if not (ckpt / "model.safetensors").exists():
        subprocess.run([BIN, "init", "--arch", "llama", "--out", str(ckpt),
                        "--tokenizer", str(SHARED / "tokenizers/gpt2/tokenizer.json"), "--layers", "32",
                        "--hidden", "4096", "--heads", "32", "--ffn", "11008", "--context", "4096",
                        "--untied", "--dtype", "bf16", "--std", "0.02"], check=True)
    return ckpt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=4)
    ap.add_argument("--langs", default="en,de,zh,ar")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--plan", action="append", default=[], help="plan to score beside full precision")
    ap.add_argument("--base", default="int4", help="base format of the plans")
    a = ap.parse_args()
    ckpt = make_checkpoint()
    corpus = OUT / f"large-{a.sentences}"
    corpus.mkdir(parents=True, exist_ok=True)
    for lang in a.langs.split(","):
        lines = (SHARED / "corpora/ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:a.sentences]
        (corpus / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = OUT / "large-results.json"
    cmd = [BIN, "eval", "--model", str(ckpt), "--corpus", str(corpus), "--out", str(res),
           "--threads", str(a.threads), "--quiet", "--bootstrap", "0"]
    for plan in a.plan:
        cmd += ["--plan", plan]
    if a.plan:
        cmd += ["--base", a.base]
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(p.stderr)
    rss = int(p.stderr.strip().splitlines()[-1]) * 1024
    result = json.loads(res.read_text())
    if a.plan:  # comparison output: one row per plan and language
        tokens = sum(r["tokens"] for r in result["rows"] if r["plan"] == "full-precision")
    else:
        tokens = sum(l["tokens"] for l in result["languages"])
    rows = sum(1 for _ in corpus.glob("*.txt")) * a.sentences + tokens  # BOS rows included
    size = (ckpt / "model.safetensors").stat().st_size
    print(f"command: {' '.join(cmd)}\n")
    sets = 1 + len(a.plan)
    print("| checkpoint | weight sets | threads | scored tokens | wall s (incl. load) | tokens/s (per set) | peak RSS GB | RSS / checkpoint |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {size / 1e9:.1f} GB BF16 | {sets} | {a.threads} | {tokens} | {dt:.1f} | {tokens / dt:.1f} | "
          f"{rss / 1e9:.2f} | {rss / size:.2f} |")


if __name__ == "__main__":
    main()
