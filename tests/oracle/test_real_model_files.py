"""The real models the oracle tests use are found and are the very files pinned by digest: a
changed or truncated download would make every comparison against them meaningless."""
import hashlib

from conftest import GEMMA3_GGUF_SHA256, SMOLLM2_GGUF_SHA256


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_gguf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"GGUF"


def test_gemma3_gguf_is_the_pinned_file(gemma3_gguf):
    assert is_gguf(gemma3_gguf)
    assert sha256_of(gemma3_gguf) == GEMMA3_GGUF_SHA256


def test_smollm2_gguf_is_the_pinned_file(smollm2_gguf):
    assert is_gguf(smollm2_gguf)
    assert sha256_of(smollm2_gguf) == SMOLLM2_GGUF_SHA256
