#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), builds, then runs the
# GoogleTest unit tests and the Python-oracle tests (transformers, tokenizers) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
