#!/usr/bin/env bash
# Sets up whatever is missing, then runs every test. Stops at the first failure
# with a non-zero exit status.
#
#   bash scripts/test.sh
#
# Sections:
#   a. setup         scripts/setup.sh (installs only what is missing)
#   b. native        cargo fmt --all --check, then cargo test: core, app layer, memory-store contract
#   c. browser       cargo test --target wasm32-unknown-unknown --no-default-features --test browser
#                    (IndexedDB/localStorage stores in headless Chromium, Firefox ESR and
#                    WebKitGTK: chromedriver, geckodriver, WebKitWebDriver under xvfb-run)
#   d. build         trunk build --release           -> dist/
#   e. size          node --test tests/scripts/, node scripts/wasm-features.mjs dist (the
#                    engine check probes every wasm feature the build uses), node scripts/size.mjs dist
#                    (first-load transfer against docs/size-budget.json, +5% at most)
#   f. end-to-end    node --test tests/e2e/          the built app from /duzhan/ in Chromium
#   g. engines e2e   node --test tests/e2e-engines/  the same built app through WebDriver in
#                    WebKitGTK (WebKitWebDriver + MiniBrowser under xvfb-run) and Firefox ESR
#                    (geckodriver), one engine at a time; a bundle crosses between the two
#
# With CI=true (CI runs `bash .ci/run` on a fresh clone): cargo uses --locked, and
# a missing browser-test file is an error instead of a warning.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=scripts/env.sh
source "$REPO/scripts/env.sh"

is_ci() { [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; }

cargo_flags=()
if is_ci; then
    cargo_flags+=(--locked) # test exactly the committed Cargo.lock
    export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
fi

# ---- sections, timing and summary ------------------------------------------------
RUN_START=$SECONDS
current=""
current_start=0
summary=()

begin() {
    current="$1"
    current_start=$SECONDS
    printf '\n==================== %s ====================\n' "$current"
}
end() {
    local note="${1:-passed}"
    local secs=$((SECONDS - current_start))
    printf -- '---- %s: %s in %ss\n' "$current" "$note" "$secs"
    summary+=("$(printf '%-16s %-8s %5ss' "$current" "$note" "$secs")")
    current=""
}
on_exit() {
    local rc=$?
    [ -z "${RUN_TMP:-}" ] || rm -rf "$RUN_TMP"
    if [ "$rc" -ne 0 ] && [ -n "$current" ]; then
        summary+=("$(printf '%-16s %-8s %5ss' "$current" "FAILED" "$((SECONDS - current_start))")")
    fi
    printf '\n==================== summary ====================\n'
    local line
    for line in "${summary[@]}"; do printf '  %s\n' "$line"; done
    if [ "$rc" -eq 0 ]; then
        printf 'ALL TESTS PASSED in %ss\n' "$((SECONDS - RUN_START))"
    else
        printf 'FAILED%s (exit %s) after %ss\n' "${current:+ in section \"$current\"}" "$rc" "$((SECONDS - RUN_START))"
    fi
    exit "$rc"
}
trap on_exit EXIT

# ---- temporary files and disk space --------------------------------------------------------
# Everything the run writes to the temporary directory (chromedriver's browser
# profiles, which it does not always remove, the end-to-end tests' downloaded
# bundles) goes to one directory of its own, removed when the run ends.
RUN_TMP="$(mktemp -d "${TMPDIR:-/tmp}/duzhan-test.XXXXXX")"
export TMPDIR="$RUN_TMP"
# A cold run needs about 4 GB (the build directories and the browser profiles);
# say so up front rather than failing later with a linker's "No space left".
free_kb="$(df -Pk "$REPO" | awk 'NR == 2 { print $4 }')"
if [ -n "$free_kb" ] && [ "$free_kb" -lt $((6 * 1024 * 1024)) ]; then
    printf 'WARNING: only %s MB free on the disk of %s; a cold test run needs about 4 GB.\n' "$((free_kb / 1024))" "$REPO" >&2
fi

# ---- a. setup ------------------------------------------------------------------------
begin "a. setup"
bash "$REPO/scripts/setup.sh"
end

# ---- b. native tests ------------------------------------------------------------------
begin "b. native"
# Formatting first: it takes a second, and a diff is easier to read before the tests.
cargo fmt --all --check || {
    echo "[test] the code is not formatted: run 'cargo fmt --all' (rules in rustfmt.toml)" >&2
    exit 1
}
cargo test "${cargo_flags[@]}"
end

# ---- c. browser tests (wasm in three engines) ------------------------------------------
# The same test wasm (built once) in headless Chromium, Firefox ESR and WebKitGTK
# (MiniBrowser under Xvfb, the engine family of iPad Safari). WebKit's automation
# mode keeps IndexedDB in memory: this proves the engine's transaction semantics,
# not on-disk durability (docs/deploy.md's iPad check-list covers the rest).
begin "c. browser"
if [ -f tests/browser.rs ]; then
    browser_test=(cargo test "${cargo_flags[@]}" --target wasm32-unknown-unknown --no-default-features --test browser)
    # wasm-bindgen-test-runner picks GECKODRIVER, then SAFARIDRIVER, then CHROMEDRIVER
    # (and their *_REMOTE forms): each run sets exactly one.
    no_drivers=(-u GECKODRIVER -u SAFARIDRIVER -u CHROMEDRIVER -u MSEDGEDRIVER
        -u GECKODRIVER_REMOTE -u SAFARIDRIVER_REMOTE -u CHROMEDRIVER_REMOTE -u MSEDGEDRIVER_REMOTE)
    engine_start=$SECONDS
    echo "[test] browser tests in Chromium"
    env "${no_drivers[@]}" CHROMEDRIVER="$CHROMEDRIVER" "${browser_test[@]}"
    engine_times="chromium $((SECONDS - engine_start))s"
    engine_start=$SECONDS
    echo "[test] browser tests in Firefox ESR"
    env "${no_drivers[@]}" GECKODRIVER="$(command -v geckodriver)" \
        WASM_BINDGEN_TEST_WEBDRIVER_JSON="$REPO/tests/webdriver/firefox.json" WASM_BINDGEN_TEST_TIMEOUT=300 \
        "${browser_test[@]}"
    engine_times="$engine_times, firefox $((SECONDS - engine_start))s"
    engine_start=$SECONDS
    echo "[test] browser tests in WebKitGTK (MiniBrowser under Xvfb)"
    # As root in a container WebKit's bubblewrap sandbox cannot start; software GL.
    env "${no_drivers[@]}" SAFARIDRIVER=/usr/bin/WebKitWebDriver WASM_BINDGEN_TEST_TIMEOUT=300 \
        WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1 \
        xvfb-run -a -s "-screen 0 1280x1024x24" "${browser_test[@]}"
    engine_times="$engine_times, webkit $((SECONDS - engine_start))s"
    end "passed ($engine_times)"
elif is_ci; then
    echo "tests/browser.rs is missing: the browser storage tests must exist in CI." >&2
    exit 1
else
    echo "WARNING: tests/browser.rs does not exist yet; browser tests NOT run." >&2
    end "SKIPPED"
fi

# ---- d. release build -------------------------------------------------------------------
begin "d. build"
trunk build --release "${cargo_flags[@]}"
[ -f dist/index.html ] || {
    echo "trunk build succeeded but dist/index.html is missing" >&2
    exit 1
}
end

# ---- e. first-load size ----------------------------------------------------------------------
begin "e. size"
# The size script's own tests first (synthetic dist dirs), then the real build:
# fails when the first load is more than 5% above the recorded figure, and asks
# for the figure to be lowered when the build is smaller (docs/performance.md).
node --test --test-reporter=spec tests/scripts/*.test.mjs
# An engine that passes the too-old check (assets/engine-check.js) can compile every module.
node scripts/wasm-features.mjs dist
node scripts/size.mjs dist
end

# ---- f. end-to-end -------------------------------------------------------------------------
begin "f. end-to-end"
# Explicit file list (not the directory) so every Node version finds the same specs.
shopt -s nullglob
specs=(tests/e2e/*.test.mjs)
shopt -u nullglob
[ "${#specs[@]}" -gt 0 ] || {
    echo "no tests/e2e/*.test.mjs found" >&2
    exit 1
}
rm -rf test-results # screenshots + HTML of failing specs land here
node --test --test-reporter=spec "${specs[@]}"
end

# ---- g. engines end-to-end ---------------------------------------------------------------
# The built app again, in the two other engines, through WebDriver (selenium-webdriver
# with explicit driver paths): WebKitGTK's MiniBrowser (the engine family of iPad
# Safari) and Firefox ESR. Each run tests one engine; its exchange test starts the
# other one too, to import the bundle it exported. The display is for WebKit.
begin "g. engines e2e"
shopt -s nullglob
engine_specs=(tests/e2e-engines/*.test.mjs)
shopt -u nullglob
[ "${#engine_specs[@]}" -gt 0 ] || {
    echo "no tests/e2e-engines/*.test.mjs found" >&2
    exit 1
}
engine_times=""
engine_note="passed"
run_engine() {
    env DUZHAN_ENGINES="$1" \
        WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1 WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1 \
        xvfb-run -a -s "-screen 0 1280x1024x24" \
        node --test --test-reporter=spec --test-concurrency=1 "${engine_specs[@]}"
}
for engine in webkit firefox; do
    engine_start=$SECONDS
    echo "[test] end-to-end in $engine"
    # One rerun of an engine whose run failed, said loudly in the summary: a WebKit
    # import has been seen failing about once in ten runs on a loaded machine
    # (issue 18's note); a second failure fails the run.
    if ! run_engine "$engine"; then
        echo "[test] WARNING: the $engine end-to-end run failed; running it once more" >&2
        run_engine "$engine"
        engine_note="FLAKY"
        engine="$engine (passed on its rerun)"
    fi
    engine_times="${engine_times:+$engine_times, }$engine $((SECONDS - engine_start))s"
done
end "$engine_note ($engine_times)"
