#!/usr/bin/env bash
# Install test: the installed tree works for a consumer project.
#
#   bash tests/install/run.sh <source-dir> <scratch-dir>
#
# Builds hvmodel from <source-dir> into <scratch-dir>/build, installs it into
# <scratch-dir>/prefix, then builds tests/install/consumer/main.c against that
# prefix (a) with CMake find_package(hvmodel) and (b) with pkg-config, and runs
# both. Exit 0: passed; 77: skipped (a tool is missing); anything else: failed.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <source-dir> <scratch-dir>" >&2
  exit 2
fi

say() { printf 'install test: %s\n' "$*"; }
skip() { say "SKIPPED: $*"; exit 77; }

for tool in cmake pkg-config cc; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' not found"
done

src=$(cd "$1" && pwd)
mkdir -p "$2"
scratch=$(cd "$2" && pwd)
build=$scratch/build
prefix=$scratch/prefix
logs=$scratch/logs
consumer_src=$src/tests/install/consumer

[[ -f $src/CMakeLists.txt ]] || { say "FAILED: no CMakeLists.txt in $src"; exit 1; }
[[ -f $consumer_src/main.c ]] || { say "FAILED: $consumer_src/main.c is missing"; exit 1; }

gen=()
if command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
jobs=$(nproc 2>/dev/null || echo 2)

# A build directory made from another source tree (or another generator)
# cannot be reused; the prefix and the consumers are always rebuilt.
if [[ -f $build/CMakeCache.txt ]]; then
  cached_src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
  cached_gen=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build/CMakeCache.txt")
  want_gen=${gen[1]:-Unix Makefiles}
  if [[ $cached_src != "$src" || $cached_gen != "$want_gen" ]]; then
    rm -rf "$build"
  fi
fi
rm -rf "$prefix" "$logs" "$scratch/consumer-cmake" "$scratch/consumer-pc" \
       "$scratch/consumer-x86-cmake" "$scratch/consumer-x86-pc"
mkdir -p "$logs"

# step <name> <command...>: run, keep the output in a log, and on failure
# name the step and show the end of its output.
step_no=0
last_log=
step() {
  local name=$1; shift
  step_no=$((step_no + 1))
  local slug=${name//[^A-Za-z0-9]/-}
  local log
  log=$logs/$(printf '%02d' "$step_no")-$slug.log
  last_log=$log
  say "step $step_no: $name"
  if ! "$@" >"$log" 2>&1; then
    say "FAILED at step $step_no: $name"
    say "command: $*"
    say "last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /'
    exit 1
  fi
}

# check <name> <description of failure> <test...>
check() {
  local name=$1 what=$2; shift 2
  if ! "$@"; then
    say "FAILED at check: $name: $what"
    exit 1
  fi
}

# --- build and install the project -----------------------------------------
step "configure hvmodel" cmake -S "$src" -B "$build" "${gen[@]}" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DHVMODEL_TESTS=OFF -DHVMODEL_EXAMPLES=OFF \
  -DHVMODEL_FUZZ=OFF -DHVMODEL_SANITIZE=OFF -DHVMODEL_COVERAGE=OFF
step "build hvmodel" cmake --build "$build" --parallel "$jobs"
step "install hvmodel" cmake --install "$build" --prefix "$prefix"

# --- the installed tree ----------------------------------------------------
inc=$prefix/include/hvmodel
for f in Hypervisor/Hypervisor.h hvmodel.h compat/mach/mach_time.h; do
  check "installed headers" "$inc/$f is missing" test -f "$inc/$f"
done

mapfile -t pcfiles < <(find "$prefix" -name hvmodel-arm64.pc -path '*/pkgconfig/*')
check "installed pkg-config file" "expected one hvmodel-arm64.pc under $prefix, found ${#pcfiles[@]}" \
  test "${#pcfiles[@]}" -eq 1
pcdir=$(dirname "${pcfiles[0]}")
libdir=$(dirname "$pcdir")
check "installed library" "no libhvmodel-arm64.so in $libdir" test -e "$libdir/libhvmodel-arm64.so"
check "installed CMake package" "no hvmodel-config.cmake in $libdir/cmake/hvmodel" \
  test -f "$libdir/cmake/hvmodel/hvmodel-config.cmake"
check "installed hvtrace" "no working hvtrace in $prefix/bin" \
  "$prefix/bin/hvtrace" --version
check "installed hvtrace-x86" "no working hvtrace-x86 next to hvtrace in $prefix/bin" \
  "$prefix/bin/hvtrace-x86" --version

# --- (a) CMake find_package --------------------------------------------------
cbuild=$scratch/consumer-cmake
step "configure consumer (find_package)" cmake -S "$consumer_src" -B "$cbuild" "${gen[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix"
found_dir=$(sed -n 's/^hvmodel_DIR:PATH=//p' "$cbuild/CMakeCache.txt")
case $found_dir in
  "$prefix"/*) ;;
  *) say "FAILED at check: find_package: hvmodel was found in '$found_dir', not under $prefix"; exit 1 ;;
esac
step "build consumer (find_package)" cmake --build "$cbuild" --verbose
step "run consumer (find_package)" "$cbuild/consumer"
check "run consumer (find_package)" "output lacks 'consumer ok'" \
  grep -qx 'consumer ok' "$last_log"

# --- (b) pkg-config ----------------------------------------------------------
pc() { PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} pkg-config "$@"; }
step "pkg-config hvmodel-arm64" pc --exists --print-errors hvmodel-arm64
pcflags=$(pc --cflags --libs hvmodel-arm64)
say "pkg-config flags: $pcflags"
case " $pcflags " in
  *" -DHVMODEL_FLAVOR_ARM64=1 "*) ;;
  *) say "FAILED at check: pkg-config: cflags lack -DHVMODEL_FLAVOR_ARM64=1"; exit 1 ;;
esac
read -ra pcflag_list <<<"$pcflags"
mkdir -p "$scratch/consumer-pc"
step "build consumer (pkg-config)" cc -o "$scratch/consumer-pc/consumer" \
  "$consumer_src/main.c" "${pcflag_list[@]}"
step "run consumer (pkg-config)" env LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$scratch/consumer-pc/consumer"
check "run consumer (pkg-config)" "output lacks 'consumer ok'" \
  grep -qx 'consumer ok' "$last_log"

# --- (c) and (d): the x86 flavour, both ways ------------------------------------
xsrc=$src/tests/install/consumer-x86
xbuild=$scratch/consumer-x86-cmake
step "configure x86 consumer (find_package)" cmake -S "$xsrc" -B "$xbuild" "${gen[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix"
step "build x86 consumer (find_package)" cmake --build "$xbuild" --verbose
step "run x86 consumer (find_package)" "$xbuild/consumer"
check "run x86 consumer (find_package)" "output lacks 'consumer ok'" \
  grep -qx 'consumer ok' "$last_log"
step "pkg-config hvmodel-x86" pc --exists --print-errors hvmodel-x86
xflags=$(pc --cflags --libs hvmodel-x86)
case " $xflags " in
  *" -DHVMODEL_FLAVOR_X86=1 "*) ;;
  *) say "FAILED at check: pkg-config: hvmodel-x86 cflags lack -DHVMODEL_FLAVOR_X86=1"; exit 1 ;;
esac
read -ra xflag_list <<<"$xflags"
mkdir -p "$scratch/consumer-x86-pc"
step "build x86 consumer (pkg-config)" cc -o "$scratch/consumer-x86-pc/consumer" \
  "$xsrc/main.c" "${xflag_list[@]}"
step "run x86 consumer (pkg-config)" \
  env LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$scratch/consumer-x86-pc/consumer"
check "run x86 consumer (pkg-config)" "output lacks 'consumer ok'" \
  grep -qx 'consumer ok' "$last_log"

say "passed (prefix $prefix)"
