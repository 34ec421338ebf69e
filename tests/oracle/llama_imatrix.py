"""llama.cpp's importance matrix through llama-cpp-python, collected exactly where llama-imatrix
collects it: ggml's scheduler eval callback (llama_context_params.cb_eval) asked about every
graph node; for each MUL_MAT whose weight (src[0]) is a "blk.*" tensor and whose input (src[1])
is F32 with at least 16 rows, sum x^2 (and x) over the input's rows per column. Tokens as
llama-imatrix: [BOS if add_bos] + tokens(text), cut into chunks of n_ctx whose first token is
replaced by BOS, each chunk decoded alone (memory cleared) with every logit requested.

Returns {weight name: (sum2 float64 [cols], sum float64 [cols], count)}, the chunks."""
import ctypes

import numpy as np
import llama_cpp
from llama_cpp import llama_cpp as ll

GGML_MAX_DIMS, GGML_MAX_SRC, GGML_MAX_NAME = 4, 10, 64


class GgmlTensor(ctypes.Structure):
    # ggml.h's struct ggml_tensor (ggml 0.25); checked at run time against ggml_get_name and
    # ggml_nelements so a layout change fails loudly instead of reading garbage.
    _fields_ = [("type", ctypes.c_int), ("buffer", ctypes.c_void_p),
                ("ne", ctypes.c_int64 * GGML_MAX_DIMS), ("nb", ctypes.c_size_t * GGML_MAX_DIMS),
                ("op", ctypes.c_int), ("op_params", ctypes.c_int32 * 16), ("flags", ctypes.c_int32),
                ("src", ctypes.c_void_p * GGML_MAX_SRC), ("view_src", ctypes.c_void_p),
                ("view_offs", ctypes.c_size_t), ("data", ctypes.c_void_p),
                ("name", ctypes.c_char * GGML_MAX_NAME), ("extra", ctypes.c_void_p), ("padding", ctypes.c_char * 8)]


def _ggml_base():
    import os
    lib = ctypes.CDLL(os.path.join(os.path.dirname(llama_cpp.__file__), "lib", "libggml-base.so"))
    lib.ggml_op_desc.restype = ctypes.c_char_p
    lib.ggml_op_desc.argtypes = [ctypes.c_void_p]
    lib.ggml_get_name.restype = ctypes.c_char_p
    lib.ggml_get_name.argtypes = [ctypes.c_void_p]
    lib.ggml_nelements.restype = ctypes.c_int64
    lib.ggml_nelements.argtypes = [ctypes.c_void_p]
    return lib


def llama_imatrix(model_path, text, n_ctx, process_output=False, n_threads=2):
    g = _ggml_base()
    stats = {}

    def tensor(p):
        t = GgmlTensor.from_address(p)
        assert g.ggml_get_name(p) == t.name, "ggml_tensor layout differs from this script's"
        assert g.ggml_nelements(p) == int(np.prod(list(t.ne))), "ggml_tensor layout differs"
        return t

    @ll.ggml_backend_sched_eval_callback
    def cb(t_ptr, ask, _user):
        if g.ggml_op_desc(t_ptr) != b"MUL_MAT":
            return False if ask else True
        t = tensor(t_ptr)
        src0, src1 = tensor(t.src[0]), tensor(t.src[1])
        name = src0.name.decode()
        if "#" in name:  # backend copies: CUDA0#blk.0.attn_k.weight#0
            name = name.split("#")[1]
        wanted = (name.startswith("blk.") or (process_output and name == "output.weight")) \
            and src1.ne[1] >= 16 and src1.type == llama_cpp.GGML_TYPE_F32
        if ask:
            return wanted
        if not wanted:
            return True
        cols, rows = src1.ne[0], src1.ne[1] * src1.ne[2] * src1.ne[3]
        assert src1.nb[1] == cols * 4 and src1.nb[2] == src1.nb[1] * src1.ne[1], "non-contiguous input"
        x = np.ctypeslib.as_array((ctypes.c_float * (cols * rows)).from_address(src1.data)).reshape(rows, cols)
        x = x.astype(np.float64)
        s2, s1, n = stats.get(name, (0.0, 0.0, 0))
        stats[name] = (s2 + (x * x).sum(0), s1 + x.sum(0), n + rows)
        return True

    ll.llama_backend_init()
    mp = ll.llama_model_default_params()
    model = ll.llama_model_load_from_file(str(model_path).encode(), mp)
    assert model, f"cannot load {model_path}"
    cp = ll.llama_context_default_params()
    cp.n_ctx = n_ctx
    cp.n_batch = n_ctx
    cp.n_ubatch = n_ctx
    cp.n_threads = cp.n_threads_batch = n_threads
    cp.cb_eval = cb
    cp.cb_eval_user_data = None
    ctx = ll.llama_init_from_model(model, cp)
    assert ctx, "cannot create a context"
    vocab = ll.llama_model_get_vocab(model)
    add_bos = ll.llama_vocab_get_add_bos(vocab)
    raw = text.encode()
    buf = (ll.llama_token * (len(raw) + 16))()
    n = ll.llama_tokenize(vocab, raw, len(raw), buf, len(buf), add_bos, False)
    assert n >= 0
    tokens = list(buf[:n])
    bos = ll.llama_vocab_bos(vocab)
    chunks = []
    batch = ll.llama_batch_init(n_ctx, 0, 1)
    for start in range(0, len(tokens) - n_ctx + 1, n_ctx):
        chunk = tokens[start:start + n_ctx]
        if add_bos:
            chunk[0] = bos
        chunks.append(chunk)
        ll.llama_memory_clear(ll.llama_get_memory(ctx), True)
        batch.n_tokens = n_ctx
        for k, tok in enumerate(chunk):
            batch.token[k] = tok
            batch.pos[k] = k
            batch.n_seq_id[k] = 1
            batch.seq_id[k][0] = 0
            batch.logits[k] = 1
        assert ll.llama_decode(ctx, batch) == 0, "llama_decode failed"
    ll.llama_batch_free(batch)
    ll.llama_free(ctx)
    ll.llama_model_free(model)
    return stats, chunks
