#!/bin/sh
# One-shot (compose service temporal-schema): installs or upgrades Temporal's schemas in the
# `temporal` and `temporal_visibility` databases, which deploy/postgres/initdb created. Idempotent:
# it runs before every start of the temporal service and only applies versions not yet applied.
# temporal-sql-tool reads SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD from the
# environment (set in docker-compose.yml), so the password never appears on a command line.
set -eu
SCHEMA_ROOT=${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}

for pair in "${SQL_DATABASE:-temporal}:temporal" "${SQL_VISIBILITY_DATABASE:-temporal_visibility}:visibility"; do
  db=${pair%%:*}
  dir=${pair#*:}
  echo "temporal-schema: database $db <- $SCHEMA_ROOT/$dir/versioned"
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$SCHEMA_ROOT/$dir/versioned"
done
echo "temporal-schema: done"
