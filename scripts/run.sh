#!/usr/bin/env bash
# Sets up whatever is missing, builds the app and serves it:
#
#   bash scripts/run.sh            -> http://127.0.0.1:8080/duzhan/
#   PORT=9000 bash scripts/run.sh  -> http://127.0.0.1:9000/duzhan/
#
# The app starts with the embedded default data (the 2020 plan). dist/ is served
# by a plain static server under the sub-path /duzhan/, exactly as any web server
# would serve a copied folder. Runs in the foreground; Ctrl-C stops it.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
# shellcheck source=scripts/env.sh
source "$REPO/scripts/env.sh"

PORT="${PORT:-8080}"
case "$PORT" in
    '' | *[!0-9]*)
        echo "PORT must be a number (got '$PORT')" >&2
        exit 2
        ;;
esac

echo "==> setup"
bash "$REPO/scripts/setup.sh"

echo "==> trunk build --release"
trunk build --release
[ -f dist/index.html ] || {
    echo "trunk build succeeded but dist/index.html is missing" >&2
    exit 1
}

echo "==> serving dist/ at http://127.0.0.1:${PORT}/duzhan/  (Ctrl-C stops)"
exec node "$REPO/tests/e2e/server.mjs" "$REPO/dist" "$PORT" /duzhan/
