"""Benchmark: one `langquant eval` scoring full precision and 14 quantization plans together
(the seeds' per-layer sweep: 'none', 'keep fp16 layers=N' for every block, and
'L0+L11+ln_f+biases') against 14 separate single-plan runs on the same tokens, on a
GPT-2-small-shaped (12 x 768, 124M parameters) random-weight checkpoint.

Reports wall time and peak RSS (/usr/bin/time -f %M) of each, the checkpoint size, and a
full-precision-only run for reference. Targets (issue 3): the multi-plan run's peak memory
below FP model + 2 copies (3x the F32 checkpoint), and its time well under the 14 runs' total.

Usage: .venv/bin/python bench/plans_eval.py [--sentences N] [--langs en,de,...] [--threads T]
                                            [--bootstrap B]
Writes a Markdown table to stdout; the checkpoint and corpus are cached under bench/out/.
"""
import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_throughput import BIN, OUT, SHARED, make_checkpoint  # noqa: E402


def make_corpus(n, langs):
    corpus = OUT / f"ud-pud-{n}-{'-'.join(langs)}"
    corpus.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        lines = (SHARED / "corpora/ud-pud" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:n]
        (corpus / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def n_layer(ckpt):
    cfg = json.loads((ckpt / "config.json").read_text())
    return cfg.get("n_layer", cfg.get("num_hidden_layers"))


def sweep(layers):
    """The 14 plans of the seeds' per-layer sweep on a 12-layer model."""
    return ["none"] + [f"base=int4; keep fp16 layers={i}" for i in range(layers)] + ["L0+L11+ln_f+biases"]


def run(ckpt, corpus, plans, out, a):
    """Runs one eval; returns (seconds, peak RSS bytes, parsed JSON, command line)."""
    cmd = [BIN, "eval", "--model", str(ckpt), "--corpus", str(corpus), "--out", str(out),
           "--threads", str(a.threads), "--bootstrap", str(a.bootstrap), "--quiet"]
    for p in plans:
        cmd += ["--plan", p]
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {shlex.join(cmd)}\n{p.stderr}")
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    return dt, rss_kb * 1024, json.loads(Path(out).read_text()), shlex.join(cmd)


def nll_by(res):
    return {(r["plan"], r["lang"]): (r["tokens"], r["nll"]) for r in res.get("rows", [])}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sentences", type=int, default=5, help="first N sentences of each language")
    ap.add_argument("--langs", default="en,de,fi,tr,hi,ar", help="ud-pud languages (comma separated)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=1000)
    a = ap.parse_args()
    langs = a.langs.split(",")
    ckpt = make_checkpoint()
    corpus = make_corpus(a.sentences, langs)
    size = sum(f.stat().st_size for f in ckpt.glob("*.safetensors"))
    plans = sweep(n_layer(ckpt))
    work = OUT / "plans-eval"
    work.mkdir(parents=True, exist_ok=True)

    fp_s, fp_rss, fp_res, _ = run(ckpt, corpus, [], work / "fp.json", a)
    multi_s, multi_rss, multi, multi_cmd = run(ckpt, corpus, plans, work / "multi.json", a)
    singles = [run(ckpt, corpus, [p], work / f"single-{i}.json", a) for i, p in enumerate(plans)]
    single_s = sum(s[0] for s in singles)
    single_rss = max(s[1] for s in singles)

    # Same tokens, same numbers: every plan's NLL in the joint run equals its own run's.
    joint = nll_by(multi)
    worst = 0.0
    for _, _, res, _ in singles:
        for key, (tokens, nll) in nll_by(res).items():
            assert joint[key][0] == tokens, f"{key}: {joint[key][0]} vs {tokens} tokens"
            worst = max(worst, abs(joint[key][1] - nll))
    tokens = sum(r["tokens"] for r in multi["rows"] if r["plan"] == "full-precision")

    print(f"checkpoint: {ckpt.name}, {size / 1e6:.0f} MB F32 ({n_layer(ckpt)} layers); corpus: first "
          f"{a.sentences} sentences of {', '.join(langs)} ({tokens} tokens); {a.threads} threads, "
          f"--bootstrap {a.bootstrap}; {len(plans)} plans\n")
    print(f"joint command: `{multi_cmd.replace(str(OUT) + '/', 'bench/out/')}`\n")
    print("| run | evals | wall s | peak RSS MB | RSS / checkpoint |")
    print("|---|---:|---:|---:|---:|")
    print(f"| full precision only | 1 | {fp_s:.1f} | {fp_rss / 1e6:.0f} | {fp_rss / size:.2f} |")
    print(f"| FP + {len(plans)} plans, one run | 1 | {multi_s:.1f} | {multi_rss / 1e6:.0f} | {multi_rss / size:.2f} |")
    print(f"| FP + 1 plan, {len(plans)} runs (total; max RSS) | {len(plans)} | {single_s:.1f} | "
          f"{single_rss / 1e6:.0f} | {single_rss / size:.2f} |")
    print(f"\njoint / separate time: {multi_s / single_s:.2f}; joint peak RSS / (FP model + 2 copies = "
          f"{3 * size / 1e6:.0f} MB): {multi_rss / (3 * size):.2f}; max |NLL/token joint - separate| = {worst:.1e}")


if __name__ == "__main__":
    main()
