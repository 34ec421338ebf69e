#!/usr/bin/env bash
# Installs everything langquant needs on a fresh Debian 12 machine and builds it.
#   C++ libraries come from Debian; the Python test oracles (Hugging Face transformers and
#   tokenizers over Debian's PyTorch 1.13) go into .venv. Python is never needed to run
#   langquant itself, only to check it.
# Usage: scripts/setup.sh [--no-python] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

want_python=1 want_build=1
for a in "$@"; do
  case "$a" in
    --no-python) want_python=0 ;;
    --no-build) want_build=0 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
pkgs=(build-essential cmake ccache pkg-config libopenblas-dev libpcre2-dev libicu-dev nlohmann-json3-dev
      libcli11-dev libtomlplusplus-dev libsqlite3-dev libgtest-dev libjs-vega)
[ "$want_python" -eq 1 ] && pkgs+=(python3 python3-venv python3-numpy python3-scipy python3-torch chromium fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_python" -eq 1 ]; then
  # Debian's python3-torch 1.13 (~1 GB installed) instead of PyPI's multi-GB CUDA build;
  # transformers 4.46 still supports it, and tokenizers 0.20 reads array-form merges. System site packages bring torch in.
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import transformers" 2>/dev/null; then
    /usr/bin/python3 -m venv --system-site-packages .venv
    .venv/bin/pip install -q --disable-pip-version-check -r tests/oracle/requirements.txt
  fi
fi

if [ "$want_build" -eq 1 ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$(nproc)"
fi
