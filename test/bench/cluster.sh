#!/bin/bash
# Shared by the benchmark scripts: build and install racing, start a
# throwaway PostgreSQL 15 cluster with racing preloaded on a Unix socket
# (no TCP unless BENCH_TCP=1, then loopback only), and remove it on exit.
#
#   . test/bench/cluster.sh
#   bench_start            # sets $BENCH_DIR, $BENCH_PORT, defines bpsql
#   bpsql -c "..."         # psql as postgres against the bench database
#
# Extra server settings can be passed in BENCH_CONF (lines of
# postgresql.conf).
set -euo pipefail

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_BIN=/usr/lib/postgresql/15/bin

bench_start()
{
	(cd "$bench_root" && bash test/deps.sh >/dev/null &&
	 make -s PG_CONFIG=$BENCH_BIN/pg_config >/dev/null &&
	 { [ "$(id -u)" != 0 ] || make -s PG_CONFIG=$BENCH_BIN/pg_config install >/dev/null; })
	BENCH_DIR=$(mktemp -d /tmp/racing-bench.XXXXXX)
	BENCH_PORT=$((40000 + RANDOM % 10000))
	bench_runas=()
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$BENCH_DIR"
		bench_runas=(runuser -u postgres --)
	fi
	"${bench_runas[@]}" $BENCH_BIN/initdb -D "$BENCH_DIR/data" -A trust -U postgres >/dev/null
	cat >> "$BENCH_DIR/data/postgresql.conf" <<CONF
listen_addresses = '$( [ "${BENCH_TCP:-0}" = 1 ] && echo 127.0.0.1 )'
unix_socket_directories = '$BENCH_DIR'
port = $BENCH_PORT
shared_preload_libraries = 'racing'
shared_buffers = 1GB
max_wal_size = 4GB
${BENCH_CONF:-}
CONF
	"${bench_runas[@]}" $BENCH_BIN/pg_ctl -D "$BENCH_DIR/data" -l "$BENCH_DIR/server.log" -w start >/dev/null
	trap bench_stop EXIT
	bpsql -q -c "CREATE EXTENSION racing"
}

bench_stop()
{
	"${bench_runas[@]}" $BENCH_BIN/pg_ctl -D "$BENCH_DIR/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$BENCH_DIR"
}

bpsql()
{
	"${bench_runas[@]}" $BENCH_BIN/psql -X -h "$BENCH_DIR" -p "$BENCH_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

# copy a data file where the server can read it; prints its new path
bench_file()
{
	local dest="$BENCH_DIR/$(basename "$1")"
	cp "$1" "$dest"
	[ "$(id -u)" = 0 ] && chown postgres: "$dest"
	echo "$dest"
}
