#!/usr/bin/env bash
# Installs what this project needs and is missing, at pinned versions; skips
# whatever is already there. Safe to run any number of times. One line per step.
#
#   bash scripts/setup.sh
#
# Needs rustup, cargo, node (>= 20) and npm, plus access to the package
# registries (crates.io, npm, Debian apt). Never downloads a browser or a
# prebuilt binary: Chromium, chromedriver, WebKitGTK's WebDriver, Xvfb and
# Firefox ESR come from apt, geckodriver, Trunk and
# wasm-bindgen are built by cargo, wasm-opt 132 comes from npm `binaryen`.
#
# It changes nothing in the caller's shell. To use the tools afterwards:
#   source scripts/env.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=scripts/env.sh
source "$REPO/scripts/env.sh"

WASM_TARGET=wasm32-unknown-unknown
TRUNK_SERIES=0.21 # Trunk 0.22 needs rustc 1.96.1; these machines have 1.95

say() { printf '[setup] %-22s %s\n' "$1" "$2"; }
die() {
    printf '[setup] ERROR: %s\n' "$*" >&2
    exit 1
}
# Runs a command quietly; on failure shows its output and stops.
run_logged() {
    local log
    log="$(mktemp)"
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "failed: $*"
    fi
    rm -f "$log"
}
since() { echo "$((SECONDS - $1))s"; }
# Installs Debian packages (as root, or through sudo): apt_install <what is missing> <apt-get install args...>
apt_install() {
    local what="$1" sudo=()
    shift
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "$what missing and this is not root and has no sudo."
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 || die "$what missing and apt-get is not available (Debian expected)."
    run_logged "${sudo[@]}" apt-get update
    run_logged "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@"
}

# --- preflight --------------------------------------------------------------
for tool in rustup cargo node npm; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH; install it first (rustup.rs / Node.js 20+)."
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is needed (found $(node --version))."

# --- 1. Rust toolchain --------------------------------------------------------
# The machine's own toolchain (stable 1.95 here) is used as it is: no toolchain is
# pinned by name, so a clean machine never has to download a second one.
rustc_version="$(rustc --version | awk '{print $2}')"
rustc_minor="$(echo "$rustc_version" | cut -d. -f2)"
[ "$(echo "$rustc_version" | cut -d. -f1)" -eq 1 ] && [ "$rustc_minor" -ge 95 ] \
    || die "rustc 1.95 or newer is needed (found $rustc_version)."
say "rust toolchain" "skipped (rustc $rustc_version)"

# --- 2. wasm32 target --------------------------------------------------------
if rustup target list --installed | grep -qx "$WASM_TARGET"; then
    say "wasm32 target" "skipped (already installed)"
else
    t0=$SECONDS
    run_logged rustup target add "$WASM_TARGET"
    say "wasm32 target" "installed ($(since "$t0"))"
fi

# --- 2b. rustfmt (the format check in scripts/test.sh) ---------------------------
if cargo fmt --version >/dev/null 2>&1; then
    say "rustfmt" "skipped ($(cargo fmt --version))"
else
    t0=$SECONDS
    run_logged rustup component add rustfmt
    say "rustfmt" "installed ($(since "$t0"))"
fi

# --- 3. Trunk 0.21 -----------------------------------------------------------
trunk_version="$(trunk --version 2>/dev/null || true)"
if [[ "$trunk_version" =~ ^trunk\ ${TRUNK_SERIES//./\\.}\. ]]; then
    say "trunk" "skipped ($trunk_version)"
else
    t0=$SECONDS
    say "trunk" "installing ^$TRUNK_SERIES (found: ${trunk_version:-none}); takes ~10 min on 2 cores..."
    run_logged cargo install trunk --version "^$TRUNK_SERIES" --locked --force
    say "trunk" "installed ($(trunk --version), $(since "$t0"))"
fi

# --- 4. wasm-bindgen CLI, exactly the version in Cargo.lock ----------------------
[ -f Cargo.lock ] || die "Cargo.lock is missing; it pins the wasm-bindgen version."
mapfile -t wb_versions < <(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = /         { name = $3 }
    /^version = / && name == "\"wasm-bindgen\"" { v = $3; gsub(/"/, "", v); print v }
' Cargo.lock)
[ "${#wb_versions[@]}" -eq 1 ] ||
    die "expected exactly one wasm-bindgen in Cargo.lock, found: ${wb_versions[*]:-none}"
wb_version="${wb_versions[0]}"
trunk_wb="$(sed -n 's/^wasm_bindgen *= *"\(.*\)"/\1/p' Trunk.toml)"
[ "$trunk_wb" = "$wb_version" ] ||
    die "Trunk.toml [tools] wasm_bindgen = \"$trunk_wb\" but Cargo.lock has wasm-bindgen $wb_version; make them equal."
have_wb="$(wasm-bindgen --version 2>/dev/null || true)"
have_runner="$(wasm-bindgen-test-runner --version 2>/dev/null || true)"
if [ "$have_wb" = "wasm-bindgen $wb_version" ] && [ "$have_runner" = "wasm-bindgen-test-runner $wb_version" ]; then
    say "wasm-bindgen-cli" "skipped ($have_wb)"
else
    t0=$SECONDS
    say "wasm-bindgen-cli" "installing $wb_version (found: ${have_wb:-none}); takes ~5 min..."
    # No --locked: the registry mirror lacks one crate version the CLI's own lock pins.
    run_logged cargo install wasm-bindgen-cli --version "$wb_version" --force
    say "wasm-bindgen-cli" "installed ($(wasm-bindgen --version), $(since "$t0"))"
fi

# --- 4b. wasm-split CLI: cuts the app wasm at its split points (scripts/split.mjs) --
WASM_SPLIT_VERSION=0.2.4 # wasm_split_cli_support; matches Leptos's wasm_split_helpers 0.2
# (the CLI has no --version: cargo's list of installed packages says which it is)
have_split="$(cargo install --list | sed -n 's/^\(wasm_split_cli_support v[^:]*\):$/\1/p')"
if [ "$have_split" = "wasm_split_cli_support v$WASM_SPLIT_VERSION" ] && command -v wasm-split-cli >/dev/null; then
    say "wasm-split-cli" "skipped ($have_split)"
else
    t0=$SECONDS
    say "wasm-split-cli" "installing $WASM_SPLIT_VERSION (found: ${have_split:-none}); takes ~3 min..."
    run_logged cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked --force
    say "wasm-split-cli" "installed ($WASM_SPLIT_VERSION, $(since "$t0"))"
fi

# --- 5. Chromium + chromedriver (Debian) ---------------------------------------
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    say "chromium" "skipped ($(/usr/bin/chromedriver --version 2>/dev/null | awk '{print $1, $2}'))"
else
    t0=$SECONDS
    apt_install "chromium/chromium-driver" chromium chromium-driver
    if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
        die "apt installed chromium but /usr/bin/chromium or /usr/bin/chromedriver is absent."
    fi
    say "chromium" "installed ($(/usr/bin/chromedriver --version 2>/dev/null | awk '{print $1, $2}'), $(since "$t0"))"
fi

# --- 5a. WebKit and Firefox for the cross-engine browser tests (Debian) -----------
# WebKitGTK's WebDriver drives MiniBrowser (the engine family of iPad Safari) under
# Xvfb; Firefox ESR is driven by geckodriver (5c). Both from apt, like Chromium.
engine_pkgs=()
[ -x /usr/bin/WebKitWebDriver ] || engine_pkgs+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null 2>&1 || engine_pkgs+=(xvfb xauth)
[ -x /usr/bin/firefox-esr ] || engine_pkgs+=(firefox-esr)
if [ "${#engine_pkgs[@]}" -eq 0 ]; then
    say "webkit, firefox" "skipped ($(/usr/bin/firefox-esr --version 2>/dev/null | awk '{print $NF}'), webkit2gtk $(dpkg-query -W -f='${Version}' webkit2gtk-driver 2>/dev/null | cut -d- -f1))"
else
    t0=$SECONDS
    apt_install "${engine_pkgs[*]}" "${engine_pkgs[@]}"
    for f in /usr/bin/WebKitWebDriver /usr/bin/firefox-esr; do
        [ -x "$f" ] || die "apt installed ${engine_pkgs[*]} but $f is absent."
    done
    command -v xvfb-run >/dev/null 2>&1 || die "apt installed xvfb but xvfb-run is not on PATH."
    say "webkit, firefox" "installed (${engine_pkgs[*]}, $(since "$t0"))"
fi

# --- 5b. A Chinese font (Debian) -------------------------------------------------
# Printed pages (督战表, ledger, reports) are Chinese: without a CJK font Chromium
# prints them with empty glyphs, and the end-to-end test that reads the printed
# PDF's text back finds none. A field laptop has one; a bare Debian has none.
if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then
    say "chinese font" "skipped ($(fc-list :lang=zh family 2>/dev/null | head -1 | cut -d, -f1))"
else
    t0=$SECONDS
    apt_install "a Chinese font" --no-install-recommends fonts-wqy-microhei fontconfig
    [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ] || die "apt installed fonts-wqy-microhei but fontconfig lists no Chinese font."
    say "chinese font" "installed (fonts-wqy-microhei, $(since "$t0"))"
fi

# --- 5c. geckodriver (WebDriver for Firefox), built by cargo ------------------------
GECKODRIVER_VERSION=0.37.1
have_gecko="$(geckodriver --version 2>/dev/null | head -1 || true)"
if [[ "$have_gecko" == "geckodriver $GECKODRIVER_VERSION"* ]]; then
    say "geckodriver" "skipped ($have_gecko)"
else
    t0=$SECONDS
    say "geckodriver" "installing $GECKODRIVER_VERSION (found: ${have_gecko:-none}); takes ~3 min..."
    run_logged cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --force
    say "geckodriver" "installed ($(geckodriver --version | head -1), $(since "$t0"))"
fi

# --- 6. npm packages (binaryen 132 = wasm-opt, playwright-core, selenium-webdriver) -
[ -f package-lock.json ] || die "package-lock.json is missing; run 'npm install' once and commit it."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    t0=$SECONDS
    # Installs exactly the lock file. Never `npx playwright install`, never Selenium Manager:
    # the browsers and drivers are Debian's and cargo's.
    run_logged npm ci --no-audit --no-fund
    say "npm packages" "installed (npm ci, $(since "$t0"))"
else
    say "npm packages" "skipped (node_modules matches package-lock.json)"
fi

# --- check: the wasm-opt Trunk will find is binaryen 132 from npm ----------------
wasm_opt="$(command -v wasm-opt || true)"
[ "$wasm_opt" = "$REPO/node_modules/.bin/wasm-opt" ] ||
    die "wasm-opt on PATH is '${wasm_opt:-none}', expected $REPO/node_modules/.bin/wasm-opt"
wasm_opt_version="$(wasm-opt --version)"
[[ "$wasm_opt_version" == *"version 132"* ]] ||
    die "wasm-opt is '$wasm_opt_version', Trunk.toml expects version_132."
say "check" "ok (wasm-opt 132 from node_modules, wasm-bindgen $wb_version, trunk $TRUNK_SERIES)"
