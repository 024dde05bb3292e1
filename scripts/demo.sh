#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the demo: installs what is
# missing (Debian packages only), builds hvmodel and runs the hello VMM, a
# small macOS-style VMM that boots a bare-metal arm64 guest on the model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHVMODEL_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target hello-vmm
echo "--- running build/examples/hello-vmm ---"
exec build/examples/hello-vmm "$@"
