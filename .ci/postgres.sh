#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server for the service's persistence tests.
#
#   eval "$(.ci/postgres.sh start)"   # prints: export QDCNET_TEST_PG_URL=postgresql://...
#   .ci/postgres.sh stop
#
# Uses the distribution's server (installed with apt-get when missing and run as root).
# PostgreSQL refuses to run as root, so under root it runs as its own system user.
set -euo pipefail

PORT=${QDCNET_PG_PORT:-54329}
DATA=${QDCNET_PG_DATA:-/tmp/qdcnet-ci-pgdata}
PGUSER_OS=qdcnet-pg
DBNAME=qdcnet_test

bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
    done
    command -v pg_ctl >/dev/null 2>&1 && dirname "$(command -v pg_ctl)" && return
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        su -s /bin/sh "$PGUSER_OS" -c "$*"
    else
        sh -c "$*"
    fi
}

start() {
    local bin
    if ! bin=$(bin_dir); then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "installing the distribution's postgresql package" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2 \
                || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive \
                     apt-get install -y -q postgresql >&2; }
            bin=$(bin_dir)
        else
            echo "PostgreSQL is not installed (and this is not root with apt-get)" >&2
            exit 1
        fi
    fi
    if [ "$(id -u)" = 0 ] && ! id "$PGUSER_OS" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PGUSER_OS"
    fi
    stop >/dev/null 2>&1 || true
    rm -rf "$DATA"
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown "$PGUSER_OS" "$DATA"
    as_owner "'$bin/initdb' -D '$DATA' -U qdcnet --auth=trust -E UTF8 >/dev/null"
    as_owner "'$bin/pg_ctl' -D '$DATA' -l '$DATA/server.log' -w -o \"-p $PORT -k '$DATA' -h 127.0.0.1\" start >/dev/null"
    as_owner "'$bin/createdb' -h 127.0.0.1 -p $PORT -U qdcnet $DBNAME" 2>/dev/null \
        || as_owner "'$bin/psql' -h 127.0.0.1 -p $PORT -U qdcnet -d postgres -c 'CREATE DATABASE $DBNAME' >/dev/null"
    echo "export QDCNET_TEST_PG_URL=postgresql://qdcnet@127.0.0.1:$PORT/$DBNAME"
}

stop() {
    local bin
    bin=$(bin_dir) || return 0
    [ -d "$DATA" ] || return 0
    as_owner "'$bin/pg_ctl' -D '$DATA' -m fast stop" >/dev/null 2>&1 || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
