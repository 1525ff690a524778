#!/usr/bin/env bash
# Fails when a generated file (docs, rule YAML, dashboards, Alertmanager and ClickHouse config) differs from what
# its source builds: snapshots the generated folders, rebuilds, and compares. On a clean clone this
# checks the committed files; in a work tree, the files as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=()
for p in docs prometheus/rules prometheus/prometheus.yml prometheus/prometheus-ha.example.yml dashboards alertmanager/alertmanager.yml exporters/recorder/config runbooks; do [ -e "$p" ] && paths+=("$p"); done
snapshot() { find "${paths[@]}" -type f -print0 2>/dev/null | sort -z | xargs -0 md5sum; }
before=$(snapshot)
npm run -s build
paths=()
for p in docs prometheus/rules prometheus/prometheus.yml prometheus/prometheus-ha.example.yml dashboards alertmanager/alertmanager.yml exporters/recorder/config runbooks; do [ -e "$p" ] && paths+=("$p"); done
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "generated files were out of date with their sources (now rebuilt; review and commit):" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "generated files match their sources"
