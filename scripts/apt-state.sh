# apt-state.sh — sourced by scripts that fetch Debian packages of another
# architecture (scripts/fetch-linux-guest.sh, tests/portability/run.sh):
# an apt state of their own under a directory — sources.list, lists, cache
# and an empty dpkg status — so that nothing of the host's dpkg and apt
# configuration is read or changed except apt.conf.d (proxy settings and the
# like).

# apt_state_init <dir> <arch> <mirror> <keyring> <suite>...: creates the
# state for <arch> with the given suites (main) and sets APT_STATE_OPTS, the
# options apt-get and apt-cache take to use it. Packages are downloaded into
# <dir>/debs by the caller.
apt_state_init() {
    local d=$1 arch=$2 mirror=$3 keyring=$4 suite
    shift 4
    mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/preferences.d" "$d/debs"
    : >"$d/status"
    : >"$d/preferences"
    : >"$d/sources.list"
    for suite in "$@"; do
        printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$suite" >>"$d/sources.list"
    done
    APT_STATE_OPTS=(-o "Dir::State=$d/state" -o "Dir::State::status=$d/status"
        -o "Dir::Cache=$d/cache" -o "Dir::Etc::sourcelist=$d/sources.list"
        -o "Dir::Etc::sourceparts=-" -o "Dir::Etc::preferences=$d/preferences"
        -o "Dir::Etc::preferencesparts=$d/preferences.d"
        -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
        -o "Acquire::Languages=none" -o "APT::Sandbox::User=$(id -un)")
}

# apt_state_update <dir>: apt-get update in the state apt_state_init made;
# fails (log in <dir>/update.log) when an index could not be fetched.
apt_state_update() {
    apt-get "${APT_STATE_OPTS[@]}" update -q >"$1/update.log" 2>&1 &&
        ! grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$1/update.log"
}
