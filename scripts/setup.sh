#!/usr/bin/env bash
# Install everything hvmodel needs to build and test, from Debian's packages
# only. Target: Debian 12 (bookworm). Safe to run again: when everything is
# already present at the right versions it does no apt work at all.
#
# Debian 12 ships Unicorn 2.0.1, which the model cannot use (it leaks host
# time into the guest and leaves PCs stale at exits). Unicorn 2.1.4 and
# Capstone 5 are taken from Debian's testing suite (forky), pinned at
# priority 100 so that no other package ever moves to it.
set -euo pipefail

MIN_UNICORN=2.1.4
MIN_CAPSTONE=5.0

FORKY_SOURCES=/etc/apt/sources.list.d/hvmodel-forky.sources
FORKY_PIN=/etc/apt/preferences.d/hvmodel-forky
ARCHIVE_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# Packages from bookworm itself. libclang-rt-14-dev holds libFuzzer (the
# fuzz harnesses' -fsanitize=fuzzer builds); clang only recommends it.
# qemu-system-arm (qemu-system-aarch64) is used only by
# bench/linux_boot.sh, the Linux boot beside QEMU TCG.
BOOKWORM_PKGS=(
  build-essential cmake ninja-build pkg-config libcmocka-dev lcov
  binutils-aarch64-linux-gnu clang clang-format valgrind python3 xxd git
  seabios libfdt-dev zlib1g-dev debian-archive-keyring libclang-rt-14-dev
  qemu-system-arm
)
# Packages taken from forky, and only these.
FORKY_PKGS=(libunicorn-dev libunicorn2t64 libcapstone-dev libcapstone5)

export DEBIAN_FRONTEND=noninteractive
APT_INSTALL=(apt-get install -y --no-install-recommends)

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

forky_sources_content() {
  cat <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: forky
Components: main
Signed-By: ${ARCHIVE_KEYRING}
EOF
}

forky_pin_content() {
  cat <<'EOF'
Package: *
Pin: release n=forky
Pin-Priority: 100
EOF
}

# --- privileges ------------------------------------------------------------
SUDO=()
need_root() {
  if [[ $(id -u) -eq 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    die "root is needed to install packages; run as root or install sudo"
  fi
}

as_root() { "${SUDO[@]}" "$@"; }
apt_root() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive "$@"; }

# write_if_changed <file> <content-function>
write_if_changed() {
  local file=$1 gen=$2 tmp
  tmp=$(mktemp)
  "$gen" >"$tmp"
  if [[ -f $file ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  need_root
  as_root install -D -m 0644 "$tmp" "$file"
  rm -f "$tmp"
  log "wrote $file"
  return 0
}

# --- what is present -------------------------------------------------------
pkg_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == ii* ]]
}

missing=()
check_state() {
  missing=()
  local p
  for p in "${BOOKWORM_PKGS[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if ! command -v pkg-config >/dev/null 2>&1; then
    missing+=("unicorn>=${MIN_UNICORN}" "capstone>=${MIN_CAPSTONE}" cmocka)
  else
    pkg-config --atleast-version="$MIN_UNICORN" unicorn 2>/dev/null ||
      missing+=("unicorn>=${MIN_UNICORN}")
    pkg-config --atleast-version="$MIN_CAPSTONE" capstone 2>/dev/null ||
      missing+=("capstone>=${MIN_CAPSTONE}")
    pkg-config --exists cmocka 2>/dev/null || missing+=(cmocka)
  fi
  command -v aarch64-linux-gnu-as >/dev/null 2>&1 || missing+=(aarch64-linux-gnu-as)
}

[[ -r /etc/debian_version ]] || die "this script is for Debian 12 (bookworm)"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: not a Debian system?"

check_state
if [[ ${#missing[@]} -gt 0 ]]; then
  log "missing: ${missing[*]}"
fi

# The pin must be in place whenever the forky source is, or a later
# 'apt-get upgrade' would move the whole system to testing.
if [[ -f $FORKY_SOURCES || ${#missing[@]} -gt 0 ]]; then
  write_if_changed "$FORKY_PIN" forky_pin_content || true
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  need_root

  if [[ ! -s $ARCHIVE_KEYRING ]]; then
    log "installing debian-archive-keyring"
    apt_root apt-get update
    apt_root "${APT_INSTALL[@]}" debian-archive-keyring
  fi
  write_if_changed "$FORKY_SOURCES" forky_sources_content || true
  write_if_changed "$FORKY_PIN" forky_pin_content || true

  log "apt-get update"
  apt_root apt-get update

  log "installing from bookworm: ${BOOKWORM_PKGS[*]}"
  apt_root "${APT_INSTALL[@]}" "${BOOKWORM_PKGS[@]}"

  # Refuse to go on if taking the four packages from forky would pull
  # anything else from it.
  forky_args=()
  for p in "${FORKY_PKGS[@]}"; do forky_args+=("$p/forky"); done
  if ! sim=$(apt_root apt-get -s "${APT_INSTALL[@]:1}" "${forky_args[@]}" 2>&1); then
    printf '%s\n' "$sim" >&2
    die "apt cannot install ${FORKY_PKGS[*]} from forky without further changes (see above)"
  fi
  stray=$(printf '%s\n' "$sim" | awk -v allow=" ${FORKY_PKGS[*]} " '
    $1 == "Inst" && /(Debian:testing|forky)/ {
      name = $2; sub(/:.*/, "", name)
      if (index(allow, " " name " ") == 0) print name
    }')
  if [[ -n $stray ]]; then
    die "installing ${FORKY_PKGS[*]} from forky would also take these from forky:" \
        "$(echo "$stray" | tr '\n' ' ')— refusing; check $FORKY_PIN"
  fi

  log "installing from forky: ${FORKY_PKGS[*]}"
  apt_root "${APT_INSTALL[@]}" "${forky_args[@]}"

  check_state
  if [[ ${#missing[@]} -gt 0 ]]; then
    die "still missing after installation: ${missing[*]}"
  fi
else
  log "all packages present; no apt work needed"
fi

# --- summary ---------------------------------------------------------------
first_version() { "$@" 2>/dev/null | head -n1 | grep -oE '[0-9]+(\.[0-9]+)+' | head -n1 || true; }
printf 'setup: ok: unicorn %s, capstone %s, cmocka %s, cmake %s, ninja %s, %s %s, clang %s, lcov %s, valgrind %s, python3 %s\n' \
  "$(pkg-config --modversion unicorn)" \
  "$(pkg-config --modversion capstone)" \
  "$(pkg-config --modversion cmocka)" \
  "$(first_version cmake --version)" \
  "$(first_version ninja --version)" \
  "aarch64-linux-gnu-as" "$(first_version aarch64-linux-gnu-as --version)" \
  "$(first_version clang --version)" \
  "$(first_version lcov --version)" \
  "$(first_version valgrind --version)" \
  "$(first_version python3 --version)"
