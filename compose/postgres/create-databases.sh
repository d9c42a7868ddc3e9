#!/bin/sh
# Run by the postgres image once, when its data volume is empty (/docker-entrypoint-initdb.d/):
# one database per application, each owned by a login role of its own, so that neither
# application can read or change the other's tables, and neither is a superuser. The KMS
# creates its tables with Flyway in the public schema of `kms`; the audit consumer creates
# whatever schema it wants in `audit`, which it owns.
#
# The passwords come from .env (through docker-compose.yml). Changing them in .env later does
# not change them here: ALTER ROLE … PASSWORD in psql, or reset (docker compose down -v).
set -e
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v kms_password="${KMS_DB_PASSWORD:?KMS_DB_PASSWORD is not set}" \
    -v audit_password="${AUDIT_DB_PASSWORD:?AUDIT_DB_PASSWORD is not set}" <<'SQL'
CREATE ROLE kms LOGIN PASSWORD :'kms_password';
CREATE DATABASE kms OWNER kms;
REVOKE ALL ON DATABASE kms FROM PUBLIC;

CREATE ROLE audit LOGIN PASSWORD :'audit_password';
CREATE DATABASE audit OWNER audit;
REVOKE ALL ON DATABASE audit FROM PUBLIC;
SQL
