# Shared by the project's scripts: paths, logging, and installing what is missing.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $* (install sudo or run as root)"; fi
}

# ensure_packages PKG...: installs the Debian packages that are not installed yet.
APT_UPDATED=0
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    say "installing ${missing[*]}"
    if [[ $APT_UPDATED == 0 ]]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What building and running Lookout needs.
ensure_runtime_packages() {
    command -v swift >/dev/null || die "swift is not on PATH: install the Swift 6 toolchain (swift.org) first"
    ensure_packages pkg-config libpq-dev libhiredis-dev postgresql postgresql-contrib redis-server curl
}

# What the test suite needs on top: a real browser and its WebDriver, and selenium.
ensure_test_packages() {
    ensure_runtime_packages
    ensure_packages chromium chromium-driver python3-selenium
}
