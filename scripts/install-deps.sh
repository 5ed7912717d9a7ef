#!/usr/bin/env bash
# Installs the Debian 12 packages indicatord needs to build (and, with --test,
# the real peers its test suite runs against). Idempotent: installs only what
# is missing, so a second run costs a few dpkg queries.
set -euo pipefail

build_pkgs=(
  g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev sqlite3 libyaml-cpp-dev libyaml-dev libspdlog-dev prometheus-cpp-dev
  catch2 libcurl4-openssl-dev libsystemd-dev libhowardhinnant-date-dev
  libmuparser-dev libcsv-dev libssl-dev
  libxlsxwriter-dev libzip-dev libexpat1-dev  # bulletins write .xlsx; the console reads uploaded .xlsx
)
test_pkgs=(prometheus prometheus-pushgateway prometheus-alertmanager python3-aiosmtpd curl wrk systemd dpkg-dev
           lintian  # tests/integration/deb_test.cpp checks the .deb
           clang-14 libclang-rt-14-dev llvm-14 clang-format  # clang-14, libclang-rt, llvm: scripts/fuzz.sh; clang-format: test.sh
           chromium chromium-driver python3-selenium fonts-wqy-zenhei  # the web console's browser test (docs/web.md)
           python3-openpyxl  # reads the bulletins' .xlsx back in tests
           python3-yaml)  # tests/integration/promql_exprs.py reads the shipped Prometheus rules

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
# Boost 1.74's -dev packages conflict with the 1.81 ones (and 1.74's Asio
# breaks awaitable under C++20 with GCC 12): remove them if present.
if dpkg-query -W -f='${Status}' libboost1.74-dev 2>/dev/null | grep -q "install ok installed"; then
  $SUDO apt-get remove -y -qq libboost1.74-dev libboost-dev || true
fi
# Services from packages must not start on install (tests start their own).
policy_added=0
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  policy_added=1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
if ((policy_added)); then $SUDO rm -f /usr/sbin/policy-rc.d; fi
