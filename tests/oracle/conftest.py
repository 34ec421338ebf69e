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

# The real models that scripts/real-models.sh installs into .venv/models (digests kept in step
# with that script). LQ_GEMMA3_GGUF / LQ_SMOLLM2_GGUF name other copies of the same files.
REAL_MODELS_DIR = Path(__file__).resolve().parents[2] / ".venv" / "models"
GEMMA3_GGUF_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
SMOLLM2_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


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


def _real_model(env_var, file_name, what):
    """Path of a real model file from env_var, else from .venv/models; skips the test when absent."""
    named = os.environ.get(env_var)
    path = Path(named) if named else REAL_MODELS_DIR / file_name
    if not path.is_file():
        where = f"{env_var}={named}" if named else str(path)
        pytest.skip(f"{what} not installed ({where} missing): run scripts/real-models.sh")
    return path


@pytest.fixture(scope="session")
def gemma3_gguf():
    """Gemma 3 270M in Q4_K_M (GGUF), 253 MB."""
    return _real_model("LQ_GEMMA3_GGUF", "gemma-3-270m-q4_k_m.gguf", "Gemma 3 270M Q4_K_M GGUF")


@pytest.fixture(scope="session")
def smollm2_gguf():
    """SmolLM2-135M-Instruct in Q4_1 (GGUF), 98 MB."""
    return _real_model("LQ_SMOLLM2_GGUF", "SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M Q4_1 GGUF")


# The bad-input catalogue (issue 13): its files, and a count of its cases in every test log.
CATALOGUE_FILES = ("test_bad_input.py", "test_bad_gguf.py", "test_limits.py")


def pytest_terminal_summary(terminalreporter):
    counts = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for rep in terminalreporter.stats.get(outcome, []):
            name = Path(str(getattr(rep, "fspath", "") or rep.nodeid.split("::")[0])).name
            if name in CATALOGUE_FILES and getattr(rep, "when", "call") in ("call", "setup"):
                if outcome == "passed" and rep.when != "call":
                    continue
                counts.setdefault(name, {}).setdefault(outcome, 0)
                counts[name][outcome] += 1
    for name, c in sorted(counts.items()):
        terminalreporter.write_line(f"bad-input catalogue: {sum(c.values())} cases in {name} "
                                    f"({', '.join(f'{v} {k}' for k, v in sorted(c.items()))})")
