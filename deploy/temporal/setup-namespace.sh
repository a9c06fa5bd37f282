#!/bin/sh
# One-shot (compose service temporal-setup), after the temporal service is healthy: creates the
# namespace if it is missing and registers the custom search attributes the app's workflows set
# (worker/search-attributes.ts), so operators can filter scans by them in the Web UI.
# Idempotent: existing namespace and attributes are left as they are.
#   TEMPORAL_ADDRESS            frontend host:port (read by the temporal CLI)
#   TEMPORAL_NAMESPACE          namespace to create (default: default)
#   TEMPORAL_NAMESPACE_RETENTION  workflow history retention of a new namespace (default: 720h)
#   FINOPS_SEARCH_ATTRIBUTES    space-separated Name=Type pairs
set -eu
NS=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-720h}
: "${FINOPS_SEARCH_ATTRIBUTES:?set FINOPS_SEARCH_ATTRIBUTES (Name=Type ...)}"

retry() { # retry <attempts> <command...>: the frontend may still be warming up its caches
  n=$1; shift
  i=1
  until "$@"; do
    [ "$i" -ge "$n" ] && { echo "temporal-setup: gave up after $n attempts: $*" >&2; return 1; }
    i=$((i + 1))
    sleep 2
  done
}

serving() { temporal operator cluster health 2>/dev/null | grep -q SERVING; }
retry 30 serving
if temporal operator namespace describe --namespace "$NS" >/dev/null 2>&1; then
  echo "temporal-setup: namespace $NS exists"
else
  echo "temporal-setup: creating namespace $NS (retention $RETENTION)"
  temporal operator namespace create --namespace "$NS" --retention "$RETENTION" \
    --description "finops-tag-compliance scans"
fi

# A new namespace takes a moment to reach every frontend cache.
retry 30 temporal operator search-attribute list --namespace "$NS" >/dev/null
existing=$(temporal operator search-attribute list --namespace "$NS")
for pair in $FINOPS_SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if printf '%s\n' "$existing" | grep -qw -- "$name"; then
    echo "temporal-setup: search attribute $name exists"
  else
    echo "temporal-setup: registering search attribute $name ($type)"
    temporal operator search-attribute create --namespace "$NS" --name "$name" --type "$type"
  fi
done
temporal operator search-attribute list --namespace "$NS"
echo "temporal-setup: done"
