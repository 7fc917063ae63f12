#!/bin/sh
# Initialises $PGDATA on first start from POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB (the
# official image's variables), then runs postgres in the foreground with the arguments given.
set -eu
user="${POSTGRES_USER:-postgres}"
password="${POSTGRES_PASSWORD:-}"
db="${POSTGRES_DB:-$user}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  auth=trust
  pwfile=/dev/null
  if [ -n "$password" ]; then
    auth=scram-sha-256
    pwfile="$(mktemp)"
    printf '%s\n' "$password" >"$pwfile"
  fi
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host="$auth" \
    --encoding=UTF8 --locale=C.UTF-8 --no-instructions -D "$PGDATA" >/dev/null
  [ "$pwfile" = /dev/null ] || rm -f "$pwfile"
  echo "host all all all $auth" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\";" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi
exec postgres -D "$PGDATA" -c unix_socket_directories=/tmp "$@"
