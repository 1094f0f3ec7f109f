#!/usr/bin/env bash
# Installs ZetaSQL (the open-source GoogleSQL analyzer, as the npm package @fivetrandevelopers/zetasql)
# into .cache/zetasql on demand, for `npm run test:bigquery-sql`. It is ~350 MB unpacked, so it is not
# a dependency of claude-ingest: only this check needs it, and a second run finds it already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.13.0
DIR=.cache/zetasql
PKG="$DIR/node_modules/@fivetrandevelopers/zetasql"

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  # The package also ships macOS and arm64 servers, but only the Linux x86-64 one is exercised here.
  echo "test:bigquery-sql: ZetaSQL's server is used on Linux x86-64 only (this is $(uname -s)-$(uname -m))" >&2
  exit 2
fi
if [ -f "$PKG/package.json" ] && grep -q "\"version\": \"$VERSION\"" "$PKG/package.json" && [ -x "$PKG/lib/zetasql/remote_server.so" ]; then
  exit 0
fi
mkdir -p "$DIR"
echo "installing @fivetrandevelopers/zetasql@$VERSION into $DIR (once)" >&2
# --ignore-scripts: the server binary and protos come in the tarball; nothing needs to run.
npm install --prefix "$DIR" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "@fivetrandevelopers/zetasql@$VERSION" >&2
test -x "$PKG/lib/zetasql/remote_server.so"
