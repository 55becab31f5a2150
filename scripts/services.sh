#!/usr/bin/env bash
# Project-local PostgreSQL and Redis: data under $LOOKOUT_STATE_DIR (default .lookout/dev),
# listening on loopback only, started and stopped by this script (no system services).
#
#   scripts/services.sh start | stop | status | env
#
# Ports: LOOKOUT_PG_PORT (default 54329), LOOKOUT_REDIS_PORT (default 63799).
# `env` prints the LOOKOUT_DATABASE_URL and LOOKOUT_REDIS_URL that point at them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

STATE="${LOOKOUT_STATE_DIR:-$ROOT/.lookout/dev}"
PG_PORT="${LOOKOUT_PG_PORT:-54329}"
REDIS_PORT="${LOOKOUT_REDIS_PORT:-63799}"
PG_DIR="$STATE/postgres"
REDIS_DIR="$STATE/redis"
# As root, PostgreSQL runs as the postgres user, who must be able to reach its data folder.
# When the project lives somewhere that user cannot enter (under /root, say), the cluster
# goes to /var/tmp instead, under a name derived from the state folder.
if [[ $(id -u) == 0 ]] && ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
    PG_DIR="/var/tmp/lookout-$(printf '%s' "$STATE" | md5sum | cut -c1-12)/postgres"
    mkdir -p "$(dirname "$PG_DIR")"
fi

pg_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -n $bin ]] || die "PostgreSQL server binaries not found (apt-get install postgresql)"
    echo "$bin"
}

# PostgreSQL refuses to run as root: as root, run its programs as the postgres user.
as_pg() {
    if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

database_url() { echo "postgresql://lookout@127.0.0.1:$PG_PORT/lookout"; }
redis_url() { echo "redis://127.0.0.1:$REDIS_PORT"; }

start_postgres() {
    local bin; bin=$(pg_bin)
    mkdir -p "$PG_DIR"
    [[ $(id -u) == 0 ]] && chown postgres:postgres "$PG_DIR"
    if [[ ! -f $PG_DIR/data/PG_VERSION ]]; then
        say "creating a PostgreSQL cluster in $PG_DIR/data"
        as_pg "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
            || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    if as_pg "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        say "PostgreSQL already running on 127.0.0.1:$PG_PORT"
    else
        say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
            -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" >/dev/null \
            || { tail -20 "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
    fi
    local psql=("$bin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1)
    if [[ $("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'lookout'") != 1 ]]; then
        "${psql[@]}" -c "CREATE ROLE lookout LOGIN CREATEROLE CREATEDB"
    else
        "${psql[@]}" -c "ALTER ROLE lookout CREATEDB"   # the tests create throwaway databases
    fi
    if [[ $("${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'lookout'") != 1 ]]; then
        "${psql[@]}" -c "CREATE DATABASE lookout OWNER lookout"
    fi
}

stop_postgres() {
    local bin; bin=$(pg_bin)
    [[ -f $PG_DIR/data/PG_VERSION ]] || return 0
    if as_pg "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
        say "stopping PostgreSQL"
        as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
    fi
}

start_redis() {
    mkdir -p "$REDIS_DIR"
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        say "Redis already running on 127.0.0.1:$REDIS_PORT"
        return
    fi
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --daemonize yes \
        --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
        --save 60 1000 --appendonly no
    for _ in $(seq 1 50); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return
        sleep 0.1
    done
    tail -20 "$REDIS_DIR/redis.log" >&2
    die "Redis did not start"
}

stop_redis() {
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        say "stopping Redis"
        redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    fi
}

case "${1:-}" in
    start) ensure_runtime_packages; start_postgres; start_redis ;;
    stop) stop_redis; stop_postgres ;;
    status)
        as_pg "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" status || true
        redis-cli -p "$REDIS_PORT" ping || true ;;
    reset-browser-db)
        # For scripts/test: an empty lookout_browser database and an empty Redis.
        psql=("$(pg_bin)/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1)
        "${psql[@]}" -c "DROP DATABASE IF EXISTS lookout_browser WITH (FORCE)" -c "CREATE DATABASE lookout_browser OWNER lookout"
        redis-cli -p "$REDIS_PORT" flushall >/dev/null ;;
    env)
        echo "export LOOKOUT_DATABASE_URL=$(database_url)"
        echo "export LOOKOUT_REDIS_URL=$(redis_url)" ;;
    *) echo "usage: scripts/services.sh start|stop|status|env|reset-browser-db" >&2; exit 2 ;;
esac
