#!/usr/bin/env bash
# Fails when a generated file (docs, rule YAML, dashboards) differs from what its source builds.
# Rebuilds into the work tree, then asks git whether anything changed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run -s build
paths=(docs)
for p in prometheus/rules dashboards alertmanager; do [ -e "$p" ] && paths+=("$p"); done
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  changed=$(git status --porcelain -- "${paths[@]}")
  if [ -n "$changed" ]; then
    echo "generated files differ from their sources; run 'npm run build' and commit:" >&2
    echo "$changed" >&2
    git --no-pager diff --stat -- "${paths[@]}" >&2
    exit 1
  fi
fi
echo "generated files match their sources"
