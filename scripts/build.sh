#!/usr/bin/env bash
# `npm run build`: compiles the runtime code to dist/ and copies what it reads at run time
# (SQL migrations). dist/.built marks when; bin/ runs dist/ only while it is newer than every source.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsc ]; then
  # A production install (npm ci --omit=dev) has no compiler: bin/ then runs the sources via tsx.
  echo "build: TypeScript is not installed (dev dependencies omitted); skipping, bin/ runs the sources" >&2
  exit 0
fi
node_modules/.bin/tsc -p tsconfig.build.json
rm -rf dist/store/migrations && mkdir -p dist/store/migrations
cp store/migrations/*.sql dist/store/migrations/
touch dist/.built
