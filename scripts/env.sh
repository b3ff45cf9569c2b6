# shellcheck shell=bash
# Source this file (do not run it):   source scripts/env.sh
#
# Puts the project's tools first on PATH and points the wasm browser tests at
# Debian's chromedriver. Safe to source more than once.
#   - $CARGO_HOME/bin (default ~/.cargo/bin): trunk, wasm-bindgen, wasm-bindgen-test-runner
#   - <repo>/node_modules/.bin: wasm-opt 132 from npm `binaryen`. It must come before
#     /usr/bin so Trunk never picks Debian's binaryen (108), which builds a broken module.

DUZHAN_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DUZHAN_REPO

_duzhan_path_prepend() {
    # Drop every existing copy of $1, then put it first.
    local dir rest="" parts=()
    IFS=: read -r -a parts <<<"$PATH"
    for dir in "${parts[@]}"; do
        [ "$dir" = "$1" ] || rest="${rest:+$rest:}$dir"
    done
    PATH="$1${rest:+:$rest}"
}
_duzhan_path_prepend "${CARGO_HOME:-$HOME/.cargo}/bin"
_duzhan_path_prepend "$DUZHAN_REPO/node_modules/.bin"
unset -f _duzhan_path_prepend
export PATH

# wasm-bindgen-test-runner drives headless Chromium through this driver.
export CHROMEDRIVER=/usr/bin/chromedriver
# Extra Chromium flags for those tests (no network chatter on a closed network).
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$DUZHAN_REPO/webdriver.json"
