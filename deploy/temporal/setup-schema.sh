#!/bin/sh
# Creates or upgrades Temporal's two schemas (history and visibility) in Temporal's own
# PostgreSQL, as the Temporal project's compose files do. Safe at every start: the initial
# setup is skipped once a version is recorded, and the update applies only what is new.
# The databases themselves are created by the postgres image at its first start
# (POSTGRES_DB and create-visibility-database.sql).
set -eu
SQL_PASSWORD="$(cat /run/secrets/temporal-db-password)"
export SQL_PASSWORD

upgrade() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" \
    --db "$1" setup-schema -v 0.0
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" \
    --db "$1" update-schema -d "/etc/temporal/schema/postgresql/v12/$2/versioned"
}

upgrade temporal temporal
upgrade temporal_visibility visibility
echo "Temporal's schemas are up to date"
