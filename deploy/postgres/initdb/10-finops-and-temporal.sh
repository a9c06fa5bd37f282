#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume (the official image runs
# /docker-entrypoint-initdb.d/* as the postgres superuser). Creates one role and database for the
# app and one role with two databases for Temporal's persistence and visibility stores, each role
# owning only its own databases. Passwords come from the environment (see deploy/.env.example) and
# are passed as psql variables, so they are quoted by psql and never part of the script text.
# Changing a password later: ALTER ROLE ... PASSWORD ...; this script does not run again.
set -eu
: "${FINOPS_DB_PASSWORD:?set FINOPS_DB_PASSWORD}"
: "${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v finops_password="$FINOPS_DB_PASSWORD" \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE finops LOGIN PASSWORD :'finops_password';
CREATE DATABASE finops OWNER finops;
REVOKE ALL ON DATABASE finops FROM PUBLIC;

CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
REVOKE ALL ON DATABASE temporal FROM PUBLIC;
REVOKE ALL ON DATABASE temporal_visibility FROM PUBLIC;
SQL
