#!/usr/bin/env bash
# Fails when a hand-written Swift file is not swift-format clean (generated files are left out).
# Fix with: Scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.swift' | grep -v '/Generated/')
if [ "${1:-}" = "--fix" ]; then
  swift format format --in-place --configuration .swift-format "${files[@]}"
else
  swift format lint --strict --configuration .swift-format "${files[@]}"
fi
