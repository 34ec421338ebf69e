"""llama.cpp's own quantizer, reached through llama-cpp-python: F16 copies of GGUF models (the
dequantized tensors; 1-D tensors F32, as llama.cpp's converter writes them), and
llama_model_quantize with a mixture, tensor-type overrides (llama-quantize --tensor-type) and an
importance matrix (--imatrix). Since llama.cpp's C API takes the imatrix as an array of
{name, data, size} (llama_model_imatrix_data, terminated by a null name), the exact per-column
weights llama-quantize would load from a file are passed from Python."""
import ctypes

import numpy as np

import gguf
import llama_cpp


def f16_copy(src, dst):
    """Writes dst: src's metadata and every tensor dequantized, matrices as F16, vectors F32."""
    r = gguf.GGUFReader(str(src))
    arch = str(r.fields["general.architecture"].contents())
    w = gguf.GGUFWriter(str(dst), arch)
    for name, f in r.fields.items():
        if name.startswith("GGUF.") or name in ("general.architecture", "general.file_type"):
            continue
        sub = f.types[1] if len(f.types) > 1 else None
        w.add_key_value(name, f.contents(), f.types[0], sub_type=sub)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    for t in r.tensors:
        v = gguf.quants.dequantize(t.data, t.tensor_type)
        w.add_tensor(t.name, v.astype(np.float32 if v.ndim == 1 else np.float16))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def ggml_type(name):
    return int(getattr(gguf.GGMLQuantizationType, name.upper()))


def quantize(src, dst, mixture, overrides=(), imatrix=None, nthread=2, pure=False, output_type=None,
             token_embd_type=None, allow_requantize=False):
    """llama_model_quantize(src -> dst) with ftype LLAMA_FTYPE_MOSTLY_<mixture>.
    overrides: (regex, type name) pairs as --tensor-type gives them; imatrix: {tensor name:
    float32 column weights} (what llama-quantize derives from an imatrix file); the rest as
    llama-quantize's --pure, --output-tensor-type, --token-embedding-type, --allow-requantize."""
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{mixture}")
    params.nthread = nthread
    params.pure = pure
    params.allow_requantize = allow_requantize
    if output_type is not None:
        params.output_tensor_type = ggml_type(output_type)
    if token_embd_type is not None:
        params.token_embedding_type = ggml_type(token_embd_type)
    keep = []  # the C arrays must outlive the call
    if overrides:
        arr = (llama_cpp.llama_model_tensor_override * (len(overrides) + 1))()
        for i, (pattern, t) in enumerate(overrides):
            s = ctypes.create_string_buffer(pattern.encode())
            keep.append(s)
            arr[i].pattern = ctypes.cast(s, ctypes.c_char_p)
            arr[i].type = ggml_type(t)
        arr[len(overrides)].pattern = None
        keep.append(arr)
        params.tt_overrides = ctypes.cast(arr, ctypes.POINTER(llama_cpp.llama_model_tensor_override))
    if imatrix is not None:
        arr = (llama_cpp.llama_model_imatrix_data * (len(imatrix) + 1))()
        for i, (name, w) in enumerate(sorted(imatrix.items())):
            w = np.ascontiguousarray(w, dtype=np.float32)
            s = ctypes.create_string_buffer(name.encode())
            keep += [w, s]
            arr[i].name = ctypes.cast(s, ctypes.c_char_p)
            arr[i].data = w.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            arr[i].size = w.size
        arr[len(imatrix)].name = None
        keep.append(arr)
        params.imatrix = ctypes.cast(arr, ctypes.POINTER(llama_cpp.llama_model_imatrix_data))
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), params)
    assert rc == 0, f"llama_model_quantize {mixture} of {src} failed ({rc})"


def tensors(path):
    """name -> (ggml type name, shape, raw bytes) of a GGUF file."""
    r = gguf.GGUFReader(str(path))
    return {t.name: (t.tensor_type.name, tuple(int(x) for x in t.shape), np.asarray(t.data).tobytes())
            for t in r.tensors}


def write_imatrix(path, sums, count, datasets=("synthetic",)):
    """An imatrix file as llama-imatrix writes it: <name>.in_sum2 [1, cols] and <name>.counts [1, 1]
    per tensor (F32), general.type = imatrix."""
    w = gguf.GGUFWriter(str(path), arch="")
    w.add_type("imatrix")
    w.add_array("imatrix.datasets", list(datasets))
    w.add_uint32("imatrix.chunk_count", 1)
    w.add_uint32("imatrix.chunk_size", int(count))
    for name in sorted(sums):
        w.add_tensor(name + ".in_sum2", np.asarray(sums[name], dtype=np.float32).reshape(1, -1))
        w.add_tensor(name + ".counts", np.array([[count]], dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def imatrix_weights(path):
    """What llama-quantize loads from an imatrix file: per tensor in_sum2 / count in float32
    (all ones for a matrix that saw no token)."""
    r = gguf.GGUFReader(str(path))
    t = {x.name: np.asarray(x.data, dtype=np.float32) for x in r.tensors}
    out = {}
    for name, s in t.items():
        if name.endswith(".in_sum2"):
            base = name[: -len(".in_sum2")]
            c = np.float32(t[base + ".counts"].reshape(-1)[0])
            out[base] = (s.reshape(-1) / c).astype(np.float32) if c > 0 else np.ones(s.size, np.float32)
    return out


def run_script(script, src, dst):
    """Runs a `langquant export --to llama-quantize` script's command through llama_model_quantize:
    its options, --tensor-type-file and --imatrix parsed as llama-quantize parses them, on src -> dst."""
    import shlex
    line = next(l for l in open(script, encoding="utf-8") if l.startswith("exec "))
    words = shlex.split(line)[2:-1]  # drop exec, the program and "$@"
    kw, i = {}, 0
    while words[i].startswith("--"):
        opt = words[i]
        if opt == "--pure":
            kw["pure"] = True
        elif opt == "--allow-requantize":
            kw["allow_requantize"] = True
        elif opt == "--output-tensor-type":
            kw["output_type"], i = words[i + 1], i + 1
        elif opt == "--token-embedding-type":
            kw["token_embd_type"], i = words[i + 1], i + 1
        elif opt == "--imatrix":
            kw["imatrix"], i = imatrix_weights(words[i + 1]), i + 1
        elif opt == "--tensor-type-file":
            kw["overrides"] = [tuple(w.rsplit("=", 1)) for w in open(words[i + 1], encoding="utf-8").read().split()]
            i += 1
        else:
            raise AssertionError(f"unexpected llama-quantize option {opt}")
        i += 1
    _src, _dst, mixture = words[i:]
    quantize(src, dst, mixture, **kw)
    return words
