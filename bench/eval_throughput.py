"""Benchmark: full-precision `langquant eval` throughput and peak memory on a GPT-2-small-shaped
(12 x 768, real 50,257-token vocabulary, 124M parameters) random-weight checkpoint, beside
PyTorch/transformers scoring exactly the same tokens in the same run, at 1 and 2 threads.

Usage: .venv/bin/python bench/eval_throughput.py [--sentences N] [--repeats R]
Writes a Markdown table to stdout; the checkpoint is cached under bench/out/.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BIN = os.environ.get("LANGQUANT_BIN", str(ROOT / "build/apps/cli/langquant"))
OUT = ROOT / "bench/out"


def make_checkpoint():
    ckpt = OUT / "gpt2-small-random"
    if (ckpt / "model.safetensors").exists():
        return ckpt
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(0)
    GPT2LMHeadModel(GPT2Config()).save_pretrained(ckpt, safe_serialization=True)
    shutil.copy(SHARED / "tokenizers/gpt2/tokenizer.json", ckpt / "tokenizer.json")
    return ckpt


def make_corpus(n):
    corpus = OUT / f"ud-pud-{n}"
    corpus.mkdir(parents=True, exist_ok=True)
    for f in sorted((SHARED / "corpora/ud-pud").glob("*.txt")):
        lines = f.read_text(encoding="utf-8").splitlines()[:n]
        (corpus / f.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def run_langquant(ckpt, corpus, threads):
    """Returns (seconds, peak RSS bytes, scored tokens)."""
    res = OUT / "bench-results.json"
    cmd = ["/usr/bin/time", "-f", "%M", BIN, "eval", "--model", str(ckpt), "--corpus", str(corpus),
           "--out", str(res), "--threads", str(threads), "--quiet", "--bootstrap", "0"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(p.stderr)
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    tokens = sum(l["tokens"] for l in json.loads(res.read_text())["languages"])
    return dt, rss_kb * 1024, tokens


TORCH_WORKER = r"""
import json, resource, sys, time
import torch
from tokenizers import Tokenizer
from transformers import GPT2LMHeadModel
ckpt, corpus, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
t0 = time.perf_counter()
model = GPT2LMHeadModel.from_pretrained(ckpt).eval()
tok = Tokenizer.from_file(ckpt + "/tokenizer.json")
from pathlib import Path
seqs = []
for f in sorted(Path(corpus).glob("*.txt")):
    for line in f.read_text(encoding="utf-8").splitlines():
        seqs.append([50256] + tok.encode(line, add_special_tokens=False).ids[:1023])
seqs.sort(key=len)
tokens, nll = 0, 0.0
with torch.inference_mode():
    for i in range(0, len(seqs), 16):   # batches of similar length, right-padded
        batch = seqs[i:i + 16]
        L = max(map(len, batch))
        ids = torch.tensor([s + [0] * (L - len(s)) for s in batch])
        mask = torch.tensor([[1] * len(s) + [0] * (L - len(s)) for s in batch])
        logp = torch.log_softmax(model(ids, attention_mask=mask).logits[:, :-1].float(), -1)
        lp = logp.gather(-1, ids[:, 1:, None])[..., 0]
        valid = mask[:, 1:].bool()
        nll -= lp[valid].double().sum().item()
        tokens += int(valid.sum())
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "tokens": tokens, "nll": nll,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def run_torch(ckpt, corpus, threads):
    p = subprocess.run([sys.executable, "-c", TORCH_WORKER, str(ckpt), str(corpus), str(threads)],
                       capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})
    if p.returncode != 0:
        sys.exit(p.stderr)
    r = json.loads(p.stdout.strip().splitlines()[-1])
    return r["seconds"], r["rss"], r["tokens"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=40, help="first N sentences of each ud-pud language")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    ckpt, corpus = make_checkpoint(), make_corpus(a.sentences)
    size = (ckpt / "model.safetensors").stat().st_size
    print(f"checkpoint: {size / 1e6:.0f} MB F32; corpus: first {a.sentences} sentences of 21 ud-pud languages\n")
    print("| engine | threads | tokens | median s | tokens/s | peak RSS MB | RSS / checkpoint |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for threads in (1, 2):
        for name, fn in (("langquant", run_langquant), ("PyTorch+transformers", run_torch)):
            runs = [fn(ckpt, corpus, threads) for _ in range(a.repeats)]
            secs = statistics.median(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            tokens = runs[0][2]
            print(f"| {name} | {threads} | {tokens} | {secs:.2f} | {tokens / secs:.0f} | {rss / 1e6:.0f} | "
                  f"{rss / size:.2f} |", flush=True)


if __name__ == "__main__":
    main()
