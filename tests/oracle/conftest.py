"""Shared fixtures for the oracle tests: where the langquant binary and ../shared are, and
helpers to run the CLI and to build small Hugging Face checkpoints with transformers itself."""
import json
import os
import subprocess
from pathlib import Path

import pytest

BIN = os.environ.get("LANGQUANT_BIN", str(Path(__file__).resolve().parents[2] / "build/apps/cli/langquant"))
SHARED = Path(os.environ.get("LQ_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
GPT2_TOKENIZER = SHARED / "tokenizers" / "gpt2"
CORPORA = SHARED / "corpora"


def run_lq(*args, check=True, **kw):
    """Runs langquant; returns the CompletedProcess (text mode)."""
    proc = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"langquant {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def shared():
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} not found: the tests read ../shared beside the repository")
    return SHARED
