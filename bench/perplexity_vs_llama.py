"""Benchmark (issue 12, item 5): full-precision perplexity scoring, langquant beside llama.cpp and
PyTorch on IDENTICAL windows, in one run.

Work: the GPT-2-small-shaped random-weight checkpoint of bench/eval_throughput.py (12 x 768, real
50,257-token vocabulary), English ud-pud lines joined by newlines and tokenized once by langquant,
cut into windows of --ctx (512) tokens; the second half of each window is scored (llama.cpp's
`llama-perplexity` measure; `langquant eval --mode stream --ctx 512`).

Engines, each one whole process per run (wall time includes start and load; peak RSS from
/usr/bin/time), interleaved A B C D A B C D ..., medians:
  langquant     `langquant eval --mode stream --ctx 512 --bootstrap 0` on the HF folder (F32)
  llama.cpp     llama-cpp-python on an F32 GGUF of the same weights written here with the gguf
                package; "all"  = Llama(logits_all=True).eval(window), the head on all 512 rows
                (what the brief of issue 12 measured); "half" = llama_decode with output rows
                requested only for the scored half (what llama-perplexity itself does), so the
                head runs on 256 rows as in langquant. The log-softmax of the scored rows in numpy.
  PyTorch       transformers' GPT2Model in inference mode, one window at a time, lm_head on the
                scored half only, log_softmax + gather.
Checks that every engine scored the same tokens, and prints how far their NLL sums (and
llama.cpp's and PyTorch's per-token log-probabilities) are apart, so the comparison is of the same
work. The sgemm peak of the same run: the system OpenBLAS that langquant links (through ctypes,
before and after each table) timing the exact matrix shapes of one window (QKV, attention output,
MLP up/down at 512 rows, the head at the 256 scored rows), best of 5.

--formats F16,Q4_0 adds llama.cpp and langquant on F16 / Q4_0 GGUF copies (langquant scores the
GGUF's weights as stored, dequantized exactly, in F32 arithmetic; llama.cpp multiplies Q4_0 with
8-bit-quantized activations: the same windows, not the same arithmetic).

Usage: .venv/bin/python bench/perplexity_vs_llama.py [--lines 220] [--repeats 3] [--threads 1,2]
       [--formats F32,F16,Q4_0] [--engines langquant,llama-half,llama-all,torch]
LANGQUANT_BIN selects the binary (default build/apps/cli/langquant).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_throughput import make_checkpoint  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BIN = os.environ.get("LANGQUANT_BIN", str(ROOT / "build/apps/cli/langquant"))
OUT = ROOT / "bench/out"


# ---------------------------------------------------------------- the GGUF copies llama.cpp reads

def write_gguf(ckpt, dst, half):
    """GPT-2 GGUF (llama.cpp's gpt2 architecture) of the HF checkpoint: Conv1D matrices transposed
    to [out, in]; matrices F16 when half, else F32; vectors F32; the tokenizer from tokenizer.json."""
    import gguf
    from safetensors.numpy import load_file
    cfg = json.loads((ckpt / "config.json").read_text())
    t = load_file(str(ckpt / "model.safetensors"))
    t = {k.removeprefix("transformer."): v for k, v in t.items()}
    w = gguf.GGUFWriter(str(dst), "gpt2")
    w.add_context_length(cfg["n_positions"])
    w.add_embedding_length(cfg["n_embd"])
    w.add_feed_forward_length(4 * cfg["n_embd"])
    w.add_block_count(cfg["n_layer"])
    w.add_head_count(cfg["n_head"])
    w.add_layer_norm_eps(cfg["layer_norm_epsilon"])
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if half else gguf.LlamaFileType.ALL_F32)
    tok = json.loads((ckpt / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = sorted(tok["model"]["vocab"].items(), key=lambda kv: kv[1])
    special = {a["id"] for a in tok["added_tokens"] if a["special"]}
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt-2")
    w.add_token_list([s for s, _ in vocab])
    w.add_token_types([gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL for _, i in vocab])
    merges = tok["model"]["merges"]
    w.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    w.add_bos_token_id(50256)
    w.add_eos_token_id(50256)
    w.add_add_bos_token(False)

    def mat(a):
        return np.ascontiguousarray(a.astype(np.float16 if half else np.float32))
    w.add_tensor("token_embd.weight", mat(t["wte.weight"]))
    w.add_tensor("position_embd.weight", mat(t["wpe.weight"]))
    for i in range(cfg["n_layer"]):
        p, b = f"h.{i}.", f"blk.{i}."
        for src, name in (("ln_1", "attn_norm"), ("ln_2", "ffn_norm")):
            w.add_tensor(b + name + ".weight", t[p + src + ".weight"].astype(np.float32))
            w.add_tensor(b + name + ".bias", t[p + src + ".bias"].astype(np.float32))
        for src, name in (("attn.c_attn", "attn_qkv"), ("attn.c_proj", "attn_output"),
                          ("mlp.c_fc", "ffn_up"), ("mlp.c_proj", "ffn_down")):
            w.add_tensor(b + name + ".weight", mat(t[p + src + ".weight"].T))  # Conv1D is [in, out]
            w.add_tensor(b + name + ".bias", t[p + src + ".bias"].astype(np.float32))
    w.add_tensor("output_norm.weight", t["ln_f.weight"].astype(np.float32))
    w.add_tensor("output_norm.bias", t["ln_f.bias"].astype(np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def gguf_of(ckpt, fmt):
    dst = OUT / f"gpt2-small-random-{fmt}.gguf"
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".tmp")
    if fmt in ("F32", "F16"):
        write_gguf(ckpt, tmp, half=fmt == "F16")
    else:  # llama.cpp's own quantizer, every matrix in fmt (--pure)
        sys.path.insert(0, str(ROOT / "tests/oracle"))
        from llama_quantize import quantize
        quantize(gguf_of(ckpt, "F32"), tmp, fmt, pure=True)
    tmp.rename(dst)
    return dst


# ---------------------------------------------------------------- the token stream and the engines

def make_corpus(lines):
    d = OUT / f"ud-pud-en-{lines}"
    d.mkdir(parents=True, exist_ok=True)
    text = (SHARED / "corpora/ud-pud/en.txt").read_text(encoding="utf-8").splitlines()[:lines]
    (d / "en.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    return d, "\n".join(text)


def timed(cmd, env=None):
    """(wall s, peak RSS MB, stdout) of one process under /usr/bin/time."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, env=env)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed:\n{p.stderr}")
    return dt, int(p.stderr.strip().splitlines()[-1]) / 1024, p.stdout


def run_langquant(model, corpus, ctx, threads, res_name):
    res = OUT / res_name
    dt, rss, _ = timed([BIN, "eval", "--model", str(model), "--corpus", str(corpus), "--mode", "stream",
                        "--ctx", str(ctx), "--bootstrap", "0", "--threads", str(threads), "--quiet",
                        "--out", str(res)])
    lang = json.loads(res.read_text())["languages"][0]
    return {"s": dt, "rss": rss, "tokens": lang["tokens"], "nll": lang["nll_total"]}


LLAMA_WORKER = r"""
import json, sys, time
import numpy as np
import llama_cpp
from llama_cpp import _internals
path, ids_file, ctx, threads, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ids = json.load(open(ids_file))
half = ctx // 2
t0 = time.perf_counter()
llm = llama_cpp.Llama(model_path=path, n_ctx=ctx, n_batch=ctx, n_ubatch=ctx, logits_all=mode == "all",
                      verbose=False, n_threads=threads, n_threads_batch=threads)
load = time.perf_counter() - t0
batch = _internals.LlamaBatch(n_tokens=ctx, embd=0, n_seq_max=1, verbose=False)
nll, lps, fwd = 0.0, [], 0.0
V = llm.n_vocab()
for w in range(len(ids) // ctx):
    window = ids[w * ctx:(w + 1) * ctx]
    t1 = time.perf_counter()
    if mode == "all":
        llm.reset()
        llm.eval(window)
        # Row p predicts token p + 1: rows half-1 .. ctx-2 score tokens half .. ctx-1.
        lg = np.asarray(llm.scores[half - 1:ctx - 1], dtype=np.float32)
    else:  # llama-perplexity's way: outputs only for the rows that score a token
        llm._ctx.kv_cache_clear()
        b = batch.batch
        b.n_tokens = ctx
        for i, tok in enumerate(window):
            b.token[i], b.pos[i], b.n_seq_id[i] = tok, i, 1
            b.seq_id[i][0] = 0
            b.logits[i] = half - 1 <= i < ctx - 1
        if llama_cpp.llama_decode(llm._ctx.ctx, b) != 0:
            sys.exit("llama_decode failed")
        lg = np.ctypeslib.as_array(llama_cpp.llama_get_logits(llm._ctx.ctx), shape=(half, V)).copy()
    fwd += time.perf_counter() - t1
    m = lg.max(axis=1)
    lse = m.astype(np.float64) + np.log(np.exp(lg - m[:, None]).sum(axis=1, dtype=np.float64))
    lp = lg[np.arange(half), window[half:ctx]] - lse
    lps.append(lp.tolist())
    nll -= float(lp.sum())
print(json.dumps({"load": load, "forward": fwd, "tokens": sum(map(len, lps)), "nll": nll, "lps": lps}))
"""

TORCH_WORKER = r"""
import json, sys, time
import torch
ckpt, ids_file, ctx, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
ids = json.load(open(ids_file))
half = ctx // 2
t0 = time.perf_counter()
from transformers import GPT2LMHeadModel
model = GPT2LMHeadModel.from_pretrained(ckpt).eval()
load = time.perf_counter() - t0
nll, lps = 0.0, []
with torch.inference_mode():
    for w in range(len(ids) // ctx):
        window = torch.tensor(ids[w * ctx:(w + 1) * ctx])
        h = model.transformer(window[None]).last_hidden_state[0, half - 1:ctx - 1]
        lp = torch.log_softmax(model.lm_head(h), -1).gather(-1, window[half:, None])[:, 0]
        lps.append(lp.double().tolist())
        nll -= float(lp.double().sum())
print(json.dumps({"load": load, "tokens": sum(map(len, lps)), "nll": nll, "lps": lps}))
"""


def run_worker(src, args, threads):
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    dt, rss, out = timed([sys.executable, "-c", src, *map(str, args)], env=env)
    r = json.loads(out.strip().splitlines()[-1])
    return {"s": dt, "rss": rss, **r}


# ---------------------------------------------------------------- the sgemm bound of the same run

SGEMM_WORKER = r"""
import ctypes, json, sys, time
import numpy as np
ctx, half, lib = int(sys.argv[1]), int(sys.argv[1]) // 2, sys.argv[2]
D, F, V, L = 768, 3072, 50257, 12
rng = np.random.default_rng(0)
shapes = [(ctx, D, 3 * D, L), (ctx, D, D, L), (ctx, D, F, L), (ctx, F, D, L), (half, D, V, 1)]
if lib != "numpy":  # the OpenBLAS langquant links, through its C interface (row-major, no transpose)
    blas = ctypes.CDLL(lib)
    P = ctypes.POINTER(ctypes.c_float)
    blas.cblas_sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, P, ctypes.c_int, P, ctypes.c_int,
                                                     ctypes.c_float, P, ctypes.c_int]
total_s, total_flop = 0.0, 0.0
for M, K, N, count in shapes:
    a = rng.standard_normal((M, K), dtype=np.float32)
    b = rng.standard_normal((K, N), dtype=np.float32)
    c = np.zeros((M, N), dtype=np.float32)
    ptr = lambda x: x.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        if lib == "numpy":
            np.matmul(a, b, out=c)
        else:
            blas.cblas_sgemm(101, 111, 111, M, N, K, 1.0, ptr(a), K, ptr(b), N, 0.0, ptr(c), N)
        best = min(best, time.perf_counter() - t0)
    total_s += best * count
    total_flop += 2.0 * M * K * N * count
print(json.dumps({"window_s": total_s, "gflops": total_flop / total_s / 1e9}))
"""
SYSTEM_OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"


def sgemm_bound(ctx, threads, lib=SYSTEM_OPENBLAS):
    """Best-of-5 time of one window's matrix products at `threads` (OpenBLAS threads), and GFLOP/s.
    lib: the system OpenBLAS langquant links (its kernel as OPENBLAS_CORETYPE picks), or "numpy"."""
    if lib != "numpy" and not Path(lib).exists():
        lib = "numpy"
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads)}
    p = subprocess.run([sys.executable, "-c", SGEMM_WORKER, str(ctx), lib], capture_output=True, text=True,
                       env=env, check=True)
    return json.loads(p.stdout)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=220, help="first N English ud-pud lines (220: 11 windows)")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--formats", default="F32")
    ap.add_argument("--engines", default="langquant,llama-half,llama-all,torch")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ckpt = make_checkpoint()
    corpus, text = make_corpus(a.lines)
    ids = [int(t) for t in subprocess.run([BIN, "tokenize", "--model", str(ckpt), "--text", text],
                                          capture_output=True, text=True, check=True).stdout.split()]
    ids_file = OUT / "perplexity-ids.json"
    ids_file.write_text(json.dumps(ids))
    windows = len(ids) // a.ctx
    formats = a.formats.split(",")
    engines = a.engines.split(",")
    ggufs = {f: gguf_of(ckpt, f) for f in formats}
    load = os.getloadavg()
    print(f"{len(ids)} tokens, {windows} windows of {a.ctx}, {windows * (a.ctx // 2)} scored; "
          f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; {time.strftime('%H:%M UTC', time.gmtime())}\n")

    def jobs(fmt, threads):
        """(name, thunk) of each engine run for one format and thread count."""
        out = []
        if "langquant" in engines:
            model = ckpt if fmt == "F32" else ggufs[fmt]
            out.append((f"langquant eval ({'HF F32' if fmt == 'F32' else fmt + ' GGUF'})",
                        lambda: run_langquant(model, corpus, a.ctx, threads, f"ppl-bench-{fmt}.json")))
        for mode in ("half", "all"):
            if f"llama-{mode}" in engines:
                out.append((f"llama.cpp {fmt} ({'scored half' if mode == 'half' else 'logits_all'})",
                            lambda mode=mode: run_worker(LLAMA_WORKER, [ggufs[fmt], ids_file, a.ctx, threads, mode],
                                                         threads)))
        if "torch" in engines and fmt == "F32":
            out.append(("PyTorch F32 (transformers)",
                        lambda: run_worker(TORCH_WORKER, [ckpt, ids_file, a.ctx, threads], threads)))
        return out

    rows = []
    for threads in map(int, a.threads.split(",")):
        bound = sgemm_bound(a.ctx, threads)
        for fmt in formats:
            js = jobs(fmt, threads)
            runs = {name: [] for name, _ in js}
            for _ in range(a.repeats):  # interleaved: A B C D A B C D ...
                for name, fn in js:
                    runs[name].append(fn())
            bound2 = sgemm_bound(a.ctx, threads)
            rows.append((threads, fmt, runs, bound, bound2))
            report(threads, fmt, runs, bound, bound2, windows, a.ctx)
    load = os.getloadavg()
    print(f"load average at end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; {time.strftime('%H:%M UTC', time.gmtime())}")


def report(threads, fmt, runs, bound, bound2, windows, ctx):
    scored = windows * (ctx // 2)
    names = list(runs)
    ref = next((n for n in names if n.startswith("llama.cpp") and "scored half" in n), None)
    ref_s = statistics.median(r["s"] for r in runs[ref]) if ref else None
    print(f"### {fmt}, {threads} thread(s): sgemm peak (the OpenBLAS langquant links, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(auto)')}; this run, before/after) "
          f"{bound['gflops']:.0f} / {bound2['gflops']:.0f} GFLOP/s; the window's matrix products alone at that "
          f"rate: {bound['window_s']:.2f} s -> {scored / (bound['window_s'] * windows):.0f} scored tokens/s\n")
    print("| engine | scored tokens | median s (all runs) | scored tokens/s | vs llama.cpp (scored half) | "
          "forward s (in-process) | peak RSS MB | NLL sum | ppl |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in names:
        rs = runs[n]
        s = statistics.median(r["s"] for r in rs)
        tok, nll = rs[0]["tokens"], rs[0]["nll"]
        if tok != scored:
            sys.exit(f"{n} scored {tok} tokens, expected {scored}: not the same windows")
        fwd = f"{statistics.median(r['forward'] for r in rs):.2f}" if "forward" in rs[0] else "–"
        ratio = f"{ref_s / s:.2f}x" if ref_s else "–"
        each = ", ".join(f"{r['s']:.1f}" for r in rs)
        print(f"| {n} | {tok} | {s:.2f} ({each}) | {tok / s:.0f} | {ratio} | "
              f"{fwd} | {max(r['rss'] for r in rs):.0f} | {nll:.3f} | {np.exp(nll / tok):.4f} |")
    # Agreement: NLL sums against each other, per-token log-probabilities where both sides have them.
    nlls = {n: runs[n][0]["nll"] for n in names}
    base = min(nlls.values())
    spread = (max(nlls.values()) - base) / abs(base)
    print(f"\nNLL sums agree to a relative {spread:.1e}.", end="")
    lp = {n: np.concatenate([np.asarray(x) for x in runs[n][0]["lps"]]) for n in names if "lps" in runs[n][0]}
    ln = list(lp)
    for i in range(len(ln)):
        for j in range(i + 1, len(ln)):
            print(f" max |logprob difference| {ln[i]} vs {ln[j]}: {np.abs(lp[ln[i]] - lp[ln[j]]).max():.2e}.", end="")
    print("\n", flush=True)


if __name__ == "__main__":
    main()
