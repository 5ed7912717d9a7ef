#!/usr/bin/env bash
# Installs what is missing, builds, and starts indicatord in the foreground on the bundled
# Lishui 2023 plan with an SQLite file under var/. A second run reuses the build and the data.
# Extra arguments go to indicatord (e.g. --listen 127.0.0.1:9500 or --now 2023-07-15T09:00:00+08:00).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target indicatord indicatorctl
mkdir -p var
build/daemon/indicatorctl check config/indicatord.yaml
exec build/daemon/indicatord --config config/indicatord.yaml "$@"
