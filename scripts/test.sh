#!/usr/bin/env bash
# The test suite, as README.md gives it and as CI runs it (.ci/run):
#   1. installs what is missing (scripts/setup.sh, Debian packages only) and
#      checks the formatting (.clang-format);
#   2. builds with -Werror and runs every CTest test (unit, guest, demo,
#      install);
#   3. rebuilds with ASan+UBSan (-Werror) and runs the suite again;
#   4. rebuilds the multi-thread tests with ThreadSanitizer and runs them;
#   5. rebuilds with coverage and prints the lcov line/branch figures for
#      model/, trace/ and replay/ (HTML report in build-cov/coverage-html).
# Build trees go to build-test/, build-asan/ and build-cov/ in the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/setup.sh

step() { printf '\n=== %s ===\n' "$*"; }

step "format (clang-format --dry-run --Werror on every tracked C/C++ file)"
git ls-files '*.c' '*.h' '*.cpp' | xargs clang-format --dry-run --Werror
echo "format ok"

step "release build + tests"
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHVMODEL_WERROR=ON
cmake --build build-test -j "$jobs"
(cd build-test && ctest --output-on-failure -j "$jobs")

step "ASan + UBSan build + tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHVMODEL_SANITIZE=ON -DHVMODEL_WERROR=ON
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j "$jobs" -LE "install|portability")

step "ThreadSanitizer: the multi-thread tests"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHVMODEL_TSAN=ON -DHVMODEL_WERROR=ON \
      -DHVMODEL_EXAMPLES=ON
cmake --build build-tsan -j "$jobs" --target arm64_test_api_vcpu arm64_test_guest_exits \
      arm64_test_guest_determinism arm64_test_stress arm64_test_gic arm64_test_guest_sched
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1 \
   ctest --output-on-failure -R 'arm64_test_(api_vcpu|guest_exits|guest_determinism|stress|gic|guest_sched)$')

step "coverage"
cmake -S . -B build-cov -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHVMODEL_COVERAGE=ON -DHVMODEL_WERROR=ON
cmake --build build-cov -j "$jobs"
cmake --build build-cov --target coverage 2>&1 | grep -E "lines|functions|branches|HTML|tests passed"
