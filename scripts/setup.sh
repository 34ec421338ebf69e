#!/usr/bin/env bash
# Installs everything langquant needs on a fresh Debian 12 machine and builds it.
#   C++ libraries come from Debian; the Python test oracles (PyTorch, Hugging Face transformers
#   and tokenizers, gguf, llama-cpp-python: tests/oracle/requirements.txt) go into a
#   self-contained .venv, and scripts/real-models.sh adds two small real GGUF models. Python is
#   never needed to run langquant itself, only to check it.
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
      libcli11-dev libtomlplusplus-dev libsqlite3-dev libgtest-dev libjs-vega clang-14 libclang-rt-14-dev libomp-14-dev
      slurmctld slurmd slurm-client munge)  # Slurm: the sweep's cluster test starts its own daemons (tests/slurm)
[ "$want_python" -eq 1 ] && pkgs+=(python3 python3-venv chromium fonts-dejavu-core)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_python" -eq 1 ]; then
  # Everything from PyPI at the pinned versions (Debian's torch 1.13 is too old for Gemma 3).
  # The hash of requirements.txt kept in .venv makes a changed file reinstall; an unchanged one
  # costs nothing. A .venv of the old layout (over Debian's site packages) is made anew.
  req=tests/oracle/requirements.txt
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  have="$(cat .venv/requirements.sha256 2>/dev/null || true)"
  if [ "$have" != "$want" ] || [ ! -x .venv/bin/python ]; then
    if [ ! -x .venv/bin/python ] || grep -q 'include-system-site-packages = true' .venv/pyvenv.cfg; then
      rm -rf .venv
      /usr/bin/python3 -m venv .venv
    fi
    echo "setup: installing $req into .venv (PyTorch with its CUDA libraries: ~3 GB, a few minutes)"
    rm -f .venv/requirements.sha256
    .venv/bin/pip install -q --disable-pip-version-check -r "$req"
    echo "$want" > .venv/requirements.sha256
  fi
  # The real models are optional: without them their tests skip, saying how to get them.
  scripts/real-models.sh || echo "setup: real models not installed (their tests will skip)" >&2
fi

if [ "$want_build" -eq 1 ]; then
  # ccache (when installed) keys objects by paths relative to the checkout, so a fresh clone in
  # another folder (CI) reuses what any earlier build on this machine compiled.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j"$(nproc)"
fi
