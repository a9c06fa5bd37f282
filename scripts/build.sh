#!/usr/bin/env bash
# `npm run build`: compiles the runtime code to dist/ and copies what it reads at run time
# (SQL migrations). dist/.built marks when; bin/ runs dist/ only while it is newer than every source.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.build.json
rm -rf dist/store/migrations && mkdir -p dist/store/migrations
cp store/migrations/*.sql dist/store/migrations/
touch dist/.built
