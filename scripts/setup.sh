#!/usr/bin/env bash
# Installs the system tools tickwatch's tests and local stack use, from Debian's packages, when
# they are missing. Idempotent and quick when everything is present; `npm test` runs it first.
#
#   promtool, prometheus          <- prometheus               (rule tests, metrics lint, local stack)
#   amtool, prometheus-alertmanager <- prometheus-alertmanager (route tests, drills)
#   prometheus-node-exporter      <- prometheus-node-exporter (host exporter side-by-side test, bench)
#   clickhouse-server             <- clickhouse-server        (ClickHouse exporter tests)
#   initdb, postgres              <- postgresql               (the recorder's PostgreSQL store tests; in /usr/lib/postgresql/<version>/bin)
#   strace                        <- strace                   (processes started per scrape: host tests, bench)
#   redis-server                  <- redis-server             (the recorder's Redis hot state tests)
#   chronyd, chronyc              <- chrony                   (the chrony collector and clock alerts against a real chronyd,
#                                                              run with -x: it never adjusts this machine's clock)
#   prometheus_client (Python)    <- python3-prometheus-client (strict OpenMetrics 1.0 / text 0.0.4 parsers: conformance test)
#   structlog, loguru (Python)    <- python3-structlog, python3-loguru (the engines' logging libraries: log format tests)
#   ZooKeeper 3.8 (jars, config)  <- zookeeperd               (the replicated ClickHouse cluster's coordination: 18.16 has no
#                                                              ClickHouse Keeper; tests start its Java server from the jars)
#   victoria-metrics              <- victoria-metrics         (1.79, single node: the HA Prometheus pair's long-term store,
#                                                              /usr/bin/victoria-metrics; the slow group's prometheus-ha test)
#
# Services that the packages would start are held back during the install: tests and the stack
# start their own servers on 127.0.0.1 with data under a temp folder.
set -euo pipefail

need=()
# A tool counts as present on PATH or where Debian puts it (/usr/sbin is often not on a user's PATH).
want() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ] || need+=("$2"); }
want promtool prometheus
want prometheus prometheus
want amtool prometheus-alertmanager
want prometheus-alertmanager prometheus-alertmanager
want prometheus-node-exporter prometheus-node-exporter
want clickhouse-server clickhouse-server
# Debian keeps PostgreSQL's server binaries off PATH, under /usr/lib/postgresql/<version>/bin.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
want strace strace
want redis-server redis-server
# chronyd is in /usr/sbin; the package's own chronyd (which would discipline the clock) is held back below.
want chronyd chrony
# ZooKeeper has no command on PATH: it counts as present when its server jar is where Debian puts it.
want_file() { [ -e "$1" ] || need+=("$2"); }
want_file /usr/share/java/zookeeper.jar zookeeperd
# VictoriaMetrics single node; the package's service stays stopped (tests start their own on loopback).
want victoria-metrics victoria-metrics
# A Python module counts as present when Debian's python3 imports it: a pyenv or venv python3 earlier
# on PATH does not see /usr/lib/python3/dist-packages, where Debian's python3-* packages install.
debian_python() { if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else echo python3; fi; }
want_py() { "$(debian_python)" -c "import $1" >/dev/null 2>&1 || need+=("$2"); }
want_py prometheus_client python3-prometheus-client
want_py structlog python3-structlog
want_py loguru python3-loguru

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "tickwatch needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi
# De-duplicate package names.
mapfile -t pkgs < <(printf '%s\n' "${need[@]}" | sort -u)
echo "setup: installing Debian packages: ${pkgs[*]}"

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: need root or sudo to run: apt-get install ${pkgs[*]}" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: no apt-get here; install these yourself: ${pkgs[*]}" >&2
  exit 1
fi

# Keep the packages' own services from starting (the tests start their own on loopback ports).
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod +x "$policy"
  added_policy=1
fi
cleanup() { if [ "$added_policy" -eq 1 ]; then "${sudo[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${pkgs[@]}"

for tool in promtool amtool; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool still missing after install" >&2; exit 1; }
done
for mod in prometheus_client structlog loguru; do
  "$(debian_python)" -c "import $mod" >/dev/null 2>&1 || { echo "setup: $(debian_python) still cannot import $mod after install" >&2; exit 1; }
done
echo "setup: done"
