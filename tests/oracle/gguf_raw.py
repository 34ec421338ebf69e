"""A byte-level GGUF v3 writer for the bad-input tests: every field (counts, lengths, types,
offsets, alignment) can be set to a lie, which gguf-py's writer rightly refuses to do."""
import struct

import numpy as np

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
GGML_F32, GGML_Q4_0 = 0, 2
_SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<?",
           U64: "<Q", I64: "<q", F64: "<d"}


def gguf_string(s, length=None):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b) if length is None else length) + b


def value_bytes(vtype, v):
    if vtype == STRING:
        return gguf_string(v)
    if vtype == ARRAY:
        etype, items = v
        return struct.pack("<IQ", etype, len(items)) + b"".join(value_bytes(etype, x) for x in items)
    return struct.pack(_SCALAR[vtype], v)


class RawGguf:
    """kv: list of (key, vtype, value); tensors: list of dicts name, ne (GGUF order), type, data
    (bytes), and optional overrides: offset, n_dims, phantom (info written, data not)."""

    def __init__(self):
        self.magic = b"GGUF"
        self.version = 3
        self.kv = []
        self.tensors = []
        self.alignment = 32
        self.tensor_count = None  # None: the true count
        self.kv_count = None

    def add(self, key, vtype, value):
        self.kv.append((key, vtype, value))

    def add_tensor(self, name, array_or_bytes, ne=None, ggml_type=GGML_F32, **over):
        if isinstance(array_or_bytes, np.ndarray):
            arr = array_or_bytes.astype(np.float32)
            ne = list(reversed(arr.shape)) if ne is None else ne
            data = arr.tobytes()
        else:
            data = array_or_bytes
        self.tensors.append(dict(name=name, ne=list(ne), type=ggml_type, data=data, **over))

    def kv_bytes(self):
        return b"".join(gguf_string(k) + struct.pack("<I", t) + value_bytes(t, v) for k, t, v in self.kv)

    def to_bytes(self):
        a = self.alignment
        offsets, cur = [], 0
        for t in self.tensors:
            offsets.append(t.get("offset", cur))
            cur = (cur + len(t["data"]) + a - 1) // a * a
        infos = b""
        for t, off in zip(self.tensors, offsets):
            n_dims = t.get("n_dims", len(t["ne"]))
            infos += gguf_string(t["name"]) + struct.pack("<I", n_dims)
            infos += b"".join(struct.pack("<Q", d) for d in t["ne"]) + struct.pack("<IQ", t["type"], off)
        head = self.magic + struct.pack("<I", self.version)
        head += struct.pack("<QQ", len(self.tensors) if self.tensor_count is None else self.tensor_count,
                            len(self.kv) if self.kv_count is None else self.kv_count)
        body = head + self.kv_bytes() + infos
        body += b"\0" * ((-len(body)) % a)
        data = bytearray()
        for t, off in zip(self.tensors, offsets):
            if t.get("phantom"):  # the tensor info points at data the file does not hold
                continue
            if off >= len(data):
                data += b"\0" * (off - len(data))
            data[off:off + len(t["data"])] = t["data"]
        data += b"\0" * ((-len(data)) % a)
        return body + bytes(data)

    def write(self, path):
        path.write_bytes(self.to_bytes())
        return path


def tiny_llama(vocab=260, d=8, ff=16, layers=1, heads=2, seed=0):
    """A valid one-layer llama GGUF with F32 weights and a byte-level BPE vocabulary."""
    rng = np.random.default_rng(seed)
    g = RawGguf()
    g.add("general.architecture", STRING, "llama")
    g.add("general.alignment", U32, 32)
    for k, v in [("context_length", 64), ("embedding_length", d), ("block_count", layers),
                 ("feed_forward_length", ff), ("attention.head_count", heads), ("attention.head_count_kv", heads)]:
        g.add(f"llama.{k}", U32, v)
    g.add("llama.attention.layer_norm_rms_epsilon", F32, 1e-5)
    g.add("llama.rope.freq_base", F32, 10000.0)
    # GPT-2's byte alphabet (printable bytes stand for themselves, the rest are shifted to U+0100+).
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    tokens = [chr(c) for c in cs] + ["Ġt", "he", "Ġthe", "<s>"][: vocab - 256]
    g.add("tokenizer.ggml.model", STRING, "gpt2")
    g.add("tokenizer.ggml.pre", STRING, "gpt-2")
    g.add("tokenizer.ggml.tokens", ARRAY, (STRING, tokens))
    g.add("tokenizer.ggml.token_type", ARRAY, (I32, [1] * (len(tokens) - 1) + [3]))
    g.add("tokenizer.ggml.merges", ARRAY, (STRING, ["Ġ t", "h e", "Ġt he"]))
    g.add("tokenizer.ggml.bos_token_id", U32, len(tokens) - 1)
    w = lambda *shape: rng.standard_normal(shape).astype(np.float32) * 0.1
    V = len(tokens)
    g.add_tensor("token_embd.weight", w(V, d))
    g.add_tensor("output_norm.weight", 1 + w(d))
    g.add_tensor("output.weight", w(V, d))
    for l in range(layers):
        p = f"blk.{l}."
        g.add_tensor(p + "attn_norm.weight", 1 + w(d))
        for m in ("attn_q", "attn_k", "attn_v", "attn_output"):
            g.add_tensor(p + m + ".weight", w(d, d))
        g.add_tensor(p + "ffn_norm.weight", 1 + w(d))
        g.add_tensor(p + "ffn_gate.weight", w(ff, d))
        g.add_tensor(p + "ffn_up.weight", w(ff, d))
        g.add_tensor(p + "ffn_down.weight", w(d, ff))
    return g
