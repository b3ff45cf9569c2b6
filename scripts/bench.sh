#!/usr/bin/env bash
# The benchmarks of issue 7, in one run (NOT part of scripts/test.sh: timings on a
# shared machine are figures to read, not pass/fail material). Builds what it needs
# in release mode, runs everything in headless /usr/bin/chromium (and natively for
# the criterion part), and writes the results as JSON and as a Markdown table:
#
#   bash scripts/bench.sh                 # everything (about 15–25 minutes on 2 cores)
#   bash scripts/bench.sh native import   # only some parts, in this order:
#
#   native     criterion (benches/core.rs): merge of two 100k-record datasets,
#              bundle parse, canonical state hash — records/s
#   import     tests/bundle_browser_bench.rs in Chromium: parse+validate+merge vs
#              JSON.parse; our IndexedDB commit vs a plain-JS put loop; the whole
#              import vs PouchDB bulkDocs (DUZHAN_BENCH_ONLY=parse: the first only)
#   build      trunk build --release --dist "$DUZHAN_DIST" (skipped with BENCH_SKIP_BUILD=1)
#   ledger     tests/e2e/bench/ledger.bench.mjs: 100k-problem ledger, keystroke and
#              filter change → rendered, DOM rows while scrolling
#   coldstart  tests/e2e/bench/coldstart.bench.mjs: cold start to interactive with
#              100,000 problems stored vs the default data only
#   save       tests/e2e/bench/save.bench.mjs: save latency (click → 已保存) of a figure, a
#              status change and a 2,000-record squad bundle's import with 100,000
#              problems stored vs the default data only; long tasks while typing into
#              an autosaved visit form (the squad bundles: examples/bench_bundle.rs squad)
#   appimport  tests/e2e/bench/import.bench.mjs: a 55 MB bundle imported through the app
#              as a user does (choose → preview, confirm → saved), in a fresh profile;
#              with IMPORT_COMPARE=<another dist/> the same runs against that build
#   batch      tests/e2e/bench/batch.bench.mjs: 10 and 50 squad bundles of ~2,000 records
#              chosen at once: to the combined preview, confirm to saved, JS heap and
#              ArrayBuffer peaks, wasm memory vs the same files one by one
#              (BATCH_SIZES, BATCH_REPS, BATCH_ONE_BY_ONE)
#   photos     tests/e2e/bench/photos.bench.mjs: a v3 bundle of 500 photos (~200 MB) imported:
#              to the preview (every photo checked), confirm to saved, JS heap, backing
#              stores and wasm memory against the 4 MiB part (PHOTOS_N, PHOTOS_KB, PHOTOS_REPS)
#   firstvisit tests/e2e/bench/firstvisit.bench.mjs: a first visit (nothing cached) on a
#              4x slower CPU and a 10 Mbit/s network, to the 督战表 shown; with
#              FIRSTVISIT_COMPARE=<another dist/> the same runs against that build
#
# Results: bench-results/<part>.json, bench-results/results.json (all parts) and
# bench-results/results.md (the table, as in docs/performance.md).
# Environment: DUZHAN_DIST (default <repo>/dist), BENCH_OUT (default <repo>/bench-results),
# DUZHAN_BENCH_REPS / DUZHAN_BENCH_POUCH_REPS (import repetitions, default 5 / 3),
# BENCH_REPS (ledger, default 24), COLDSTART_REPS (default 7), SAVE_REPS (default 7), IMPORT_REPS (default 5),
# IMPORT_BUNDLE / IMPORT_PICK_MS / IMPORT_COMPARE (appimport), FIRSTVISIT_REPS (default 7),
# FIRSTVISIT_CPU / FIRSTVISIT_MBPS / FIRSTVISIT_RTT (default 4 / 10 / 40), FIRSTVISIT_COMPARE.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=scripts/env.sh
source "$REPO/scripts/env.sh"

OUT="${BENCH_OUT:-$REPO/bench-results}"
export DUZHAN_DIST="${DUZHAN_DIST:-$REPO/dist}"
mkdir -p "$OUT"
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(native import build ledger coldstart save appimport batch photos firstvisit)
wants() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }
say() { printf '\n==================== bench: %s ====================\n' "$*"; }

if [ ! -x node_modules/.bin/esbuild ] || [ ! -d node_modules/pouchdb-browser ]; then
    bash scripts/setup.sh
fi

if wants native; then
    say "native (criterion)"
    cargo bench --bench core -- --noplot
    node scripts/bench-report.mjs --criterion "${CARGO_TARGET_DIR:-$REPO/target}/criterion" > "$OUT/native.json"
fi

if wants import; then
    say "import (headless Chromium)"
    # PouchDB and the JS baselines as one ES module the wasm test imports.
    node_modules/.bin/esbuild tests/bench_support/import_bench.mjs --bundle --format=esm --platform=browser \
        --log-level=warning --outfile=tests/bench_support/import_bench.gen.js
    log="$OUT/import.log"
    WASM_BINDGEN_TEST_TIMEOUT=3600 env -u GECKODRIVER CHROMEDRIVER="$CHROMEDRIVER" \
        cargo test --release --target wasm32-unknown-unknown --no-default-features \
        --test bundle_browser_bench -- --nocapture 2>&1 | tee "$log"
    grep -o 'BENCH_JSON import .*' "$log" | tail -1 | sed 's/^BENCH_JSON import //' > "$OUT/import.json"
    [ -s "$OUT/import.json" ] || { echo "bench: no import result in $log" >&2; exit 1; }
fi

if wants build && [ "${BENCH_SKIP_BUILD:-}" != "1" ]; then
    say "build (trunk build --release --dist $DUZHAN_DIST)"
    trunk build --release --dist "$DUZHAN_DIST"
fi

if wants ledger; then
    say "ledger (headless Chromium)"
    BENCH_JSON="$OUT/ledger.json" node tests/e2e/bench/ledger.bench.mjs
fi

if wants coldstart; then
    say "cold start (headless Chromium)"
    BENCH_JSON="$OUT/coldstart.json" node tests/e2e/bench/coldstart.bench.mjs
fi

if wants save; then
    say "save latency (headless Chromium)"
    squads="$OUT/squads"
    mkdir -p "$squads"
    reps="${SAVE_REPS:-7}"
    for i in $(seq -w 1 "$reps"); do
        [ -s "$squads/squad-$i.json" ] || cargo run --quiet --profile bench --example bench_bundle -- squad "$squads/squad-$i.json" "$i"
    done
    SAVE_BUNDLES="$squads" BENCH_JSON="$OUT/save.json" node tests/e2e/bench/save.bench.mjs
fi

if wants appimport; then
    say "in-app import (headless Chromium)"
    BENCH_JSON="$OUT/appimport.json" node tests/e2e/bench/import.bench.mjs
fi

if wants batch; then
    say "batch import of many squads' bundles (headless Chromium)"
    BATCH_DIR="$OUT/batch-squads" BENCH_JSON="$OUT/batch.json" node tests/e2e/bench/batch.bench.mjs
fi

if wants photos; then
    say "a bundle of 500 photos imported (headless Chromium)"
    BENCH_JSON="$OUT/photos.json" node tests/e2e/bench/photos.bench.mjs
fi

if wants firstvisit; then
    say "first visit (headless Chromium, slowed CPU and network)"
    BENCH_JSON="$OUT/firstvisit.json" node tests/e2e/bench/firstvisit.bench.mjs
fi

say "report"
node scripts/bench-report.mjs --dir "$OUT"
