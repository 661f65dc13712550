#!/bin/bash
#
# Short libFuzzer runs over the JSON feed readers, in two parts:
#
#  1. the pure-C helpers (src/feeds_parse.c, harness test/fuzz/feeds_fuzz.c),
#     built with clang -fsanitize=fuzzer,address, from a few small seeds;
#  2. the JSON loaders themselves, racing.load_racecards_data and
#     racing.load_nascar_feed_data (src/feeds.c), inside a backend
#     (harness test/fuzz/backend_fuzz.c): every src/*.c and the harness are
#     built with -fsanitize=fuzzer-no-link into racing_fuzz.so, which is
#     never installed; a throwaway cluster (Unix socket in the temporary
#     directory, a free port on 127.0.0.1 only) gets the extension script
#     built from src/sql/*.sql with MODULE_PATHNAME pointing at that
#     library, and one session runs libFuzzer through
#     racing_fuzz_run(args text[]) from a corpus seeded with the real race
#     cards and NASCAR feeds of ../shared/data/json plus hand-made edge
#     cases.  Each input goes through both loaders in a subtransaction that
#     is rolled back.
#
# FUZZ_SECONDS (default 30) is the total fuzzing time: a quarter for part 1,
# the rest for part 2 (the first pass over the real seed files may take a
# few seconds more).  Rerun for longer with
#
#     FUZZ_SECONDS=600 bash test/fuzz/run.sh
#
# and keep the temporary directory (corpus, server log, crash inputs) with
# FUZZ_KEEP=1.  Part 2 passes when libFuzzer ended its run normally ("Done
# N runs"), found no crash, timeout or broken invariant (the harness aborts
# on a report row whose rows_read is not stored + updated + duplicate +
# quarantined, and on internal errors), the postmaster did not see a
# backend crash, and nothing the loaders wrote survived the run.
#
# Prints one line per part and exits 0 when both passed; prints "skipped"
# and exits 0 when clang, libFuzzer's runtime or PostgreSQL's server
# headers are missing.  Started as root it runs itself as postgres, since
# initdb refuses root.  Writes nothing outside its temporary directory.
#
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
script="$here/test/fuzz/run.sh"
seconds=${FUZZ_SECONDS:-30}
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 4 ]; then
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, at least 4" >&2
	exit 1
fi
parse_seconds=$((seconds / 4))
backend_seconds=$((seconds - parse_seconds))

if [ "$(id -u)" = 0 ]; then
	if id postgres >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1; then
		exec runuser -u postgres -- env FUZZ_SECONDS="$seconds" \
			FUZZ_KEEP="${FUZZ_KEEP:-}" PG_CONFIG="${PG_CONFIG:-}" \
			bash "$script"
	fi
	echo "fuzz: running as root and no postgres user to run a cluster as, skipped"
	exit 0
fi

cc=""
for c in clang clang-16 clang-15 clang-14; do
	if command -v "$c" >/dev/null 2>&1; then
		cc=$c
		break
	fi
done
if [ -z "$cc" ]; then
	echo "fuzz: clang not found, skipped"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/racing-fuzz.XXXXXX")
pgdata="$tmp/data"
cleanup()
{
	if [ -f "$pgdata/postmaster.pid" ]; then
		"$bindir/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	if [ -n "${FUZZ_KEEP:-}" ]; then
		echo "fuzz: kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
bindir=""
trap cleanup EXIT

# ---------------------------------------------------------------------
# Part 1: the pure-C helpers
# ---------------------------------------------------------------------

"$cc" -g -O1 -fsanitize=fuzzer,address -iquote "$here/src" \
	"$here/test/fuzz/feeds_fuzz.c" "$here/src/feeds_parse.c" \
	-lcjson -o "$tmp/feeds_fuzz"

mkdir -p "$tmp/parse_corpus"
i=0
for seed in '* Tyler Reddick (P)' 'Ty Gibbs #' 'Josh Berry(i)' 'Mr Jake Holman(7)' \
	'A(12)' '2020-06-10T19:00:00' '0001-01-01T00:00:00' '2024-02-29' \
	'{"GB": {"Ascot": {"14:30": {"runners": []}}}}' '[[[[' '{"a": "b\"}' \
	'{"vehicles": [{"vehicle_number": "00"}]}'; do
	printf '%s' "$seed" > "$tmp/parse_corpus/seed$i"
	i=$((i + 1))
done

if (cd "$tmp" && ./feeds_fuzz -max_total_time="$parse_seconds" -max_len=4096 \
	-timeout=10 -artifact_prefix="$tmp/" "$tmp/parse_corpus" \
	> "$tmp/parse_fuzz.log" 2>&1); then
	echo "fuzz: feeds_parse ok ($(grep -o 'Done [0-9]* runs' "$tmp/parse_fuzz.log" || echo 'run finished'))"
else
	echo "fuzz: feeds_parse FAILED"
	tail -40 "$tmp/parse_fuzz.log"
	exit 1
fi

# ---------------------------------------------------------------------
# Part 2: the JSON loaders inside a backend
# ---------------------------------------------------------------------

pg_config=${PG_CONFIG:-}
if [ -z "$pg_config" ]; then
	if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
		pg_config=/usr/lib/postgresql/15/bin/pg_config
	else
		pg_config=$(command -v pg_config || true)
	fi
fi
if [ -z "$pg_config" ] || [ ! -f "$("$pg_config" --includedir-server)/postgres.h" ]; then
	echo "fuzz: JSON loaders in a backend skipped (no PostgreSQL server headers)"
	exit 0
fi
bindir=$("$pg_config" --bindir)
rtlib="$("$cc" -print-resource-dir)/lib/linux/libclang_rt.fuzzer_no_main-$(uname -m).a"
if [ ! -f "$rtlib" ]; then
	echo "fuzz: JSON loaders in a backend skipped (no $rtlib)"
	exit 0
fi

# racing_fuzz.so: every src/*.c and the harness, instrumented for coverage,
# with the flags PostgreSQL's own build relies on (-fwrapv,
# -fno-strict-aliasing), the hardening of Debian's build (a stack overrun
# or an overflowing string copy aborts, which libFuzzer reports as a crash)
# and the warnings of the Makefile; the server
# headers were made for gcc, whose gnu_printf format attribute clang
# ignores with a warning per use (-Wno-ignored-attributes)
lib="$tmp/racing_fuzz.so"
mkdir -p "$tmp/obj"
cflags=(-g -O1 -fPIC -fsanitize=fuzzer-no-link -fwrapv -fno-strict-aliasing
	-fstack-protector-strong -D_FORTIFY_SOURCE=2
	-Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
	-Wno-ignored-attributes -D_GNU_SOURCE
	-I"$("$pg_config" --includedir-server)" -iquote "$here/src")
pids=()
for src in "$here"/src/*.c "$here/test/fuzz/backend_fuzz.c"; do
	"$cc" "${cflags[@]}" -c "$src" -o "$tmp/obj/$(basename "$src" .c).o" \
		2>> "$tmp/build.log" &
	pids+=($!)
done
build_ok=1
for p in "${pids[@]}"; do
	wait "$p" || build_ok=0
done
if [ "$build_ok" = 1 ]; then
	"$cc" -shared -fsanitize=fuzzer-no-link -Wl,-Bsymbolic -o "$lib" \
		"$tmp"/obj/*.o "$rtlib" -lcjson -lstdc++ -lm -lpthread \
		2>> "$tmp/build.log" || build_ok=0
fi
if [ "$build_ok" = 0 ]; then
	echo "fuzz: JSON loaders in a backend FAILED (build)"
	cat "$tmp/build.log"
	exit 1
fi
if [ -s "$tmp/build.log" ]; then
	echo "fuzz: compiler warnings building racing_fuzz.so:"
	cat "$tmp/build.log"
fi

# a throwaway cluster on a Unix socket in $tmp and a free loopback port
"$bindir/initdb" -D "$pgdata" -A trust -E UTF8 --locale=C --no-sync \
	> "$tmp/initdb.log" 2>&1 || {
	echo "fuzz: JSON loaders in a backend FAILED (initdb)"
	cat "$tmp/initdb.log"
	exit 1
}
serverlog="$tmp/server.log"
started=0
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		continue			# something listens there already
	fi
	cat > "$pgdata/postgresql.auto.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$tmp'
		logging_collector = off
		log_min_messages = error
		fsync = off
		max_connections = 10
		shared_buffers = 32MB
	EOF
	if "$bindir/pg_ctl" -D "$pgdata" -l "$serverlog" -w -t 60 start \
		> "$tmp/pg_ctl.log" 2>&1; then
		started=1
		break
	fi
done
if [ "$started" = 0 ]; then
	echo "fuzz: JSON loaders in a backend FAILED (the server did not start)"
	cat "$tmp/pg_ctl.log" "$serverlog" 2>/dev/null | tail -20
	exit 1
fi
psql=("$bindir/psql" -X -q -h "$tmp" -p "$port" -v ON_ERROR_STOP=1)
"$bindir/createdb" -h "$tmp" -p "$port" -T template0 -E UTF8 fuzz

# the extension script, every C function and trigger on racing_fuzz.so
{
	echo "CREATE SCHEMA racing;"
	echo "SET search_path = racing;"
	LC_ALL=C ls "$here"/src/sql/*.sql | while read -r f; do
		cat "$f"
	done | grep -v '^\\echo ' | sed "s|MODULE_PATHNAME|$lib|g"
	echo "RESET search_path;"
	echo "CREATE FUNCTION public.racing_fuzz_run(args text[],"
	echo "    allow_internal_errors bool DEFAULT false) RETURNS int"
	echo "AS '$lib', 'racing_fuzz_run' LANGUAGE C STRICT VOLATILE;"
} > "$tmp/schema.sql"
if ! "${psql[@]}" -1 -d fuzz -f "$tmp/schema.sql" > "$tmp/schema.log" 2>&1; then
	echo "fuzz: JSON loaders in a backend FAILED (schema)"
	cat "$tmp/schema.log"
	exit 1
fi

# the seed corpus: the real files, whole; small hand-made documents of
# each shape (test/fuzz/seeds/small_*, which mutations change more often
# where it matters) and edge cases (test/fuzz/seeds/edge_*: truncated,
# wrong shape and types, odd numbers and escapes), plus two made here
corpus="$tmp/corpus"
mkdir -p "$corpus" "$tmp/artifacts"
data="$here/../shared/data/json"
nreal=0
for f in "$data"/racecards/*.json "$data"/nascar/*.json; do
	[ -f "$f" ] || continue
	cp "$f" "$corpus/real_$(basename "$f")"
	nreal=$((nreal + 1))
done
cp "$here"/test/fuzz/seeds/*.json "$corpus/"
{
	printf '{"weekend_race": '
	for i in $(seq 1200); do printf '['; done
	for i in $(seq 1200); do printf ']'; done
	printf '}'
} > "$corpus/edge_deep_nesting.json"
{
	printf '{"GB": {"Ascot": {"14:30": {"race_type": "Flat", "runners": [{"name": "'
	head -c 70000 /dev/zero | tr '\0' 'x'
	printf '", "number": 1}]}}}}'
} > "$corpus/edge_huge_string.json"
nhand=$(ls "$corpus" | grep -cv '^real_' || true)

# -max_len covers the largest real file whole (about 600 kB), so the
# seeds run as they are; mutations start small and grow (-len_control)
maxlen=$(( $(ls -l "$corpus" | awk 'NR > 1 { if ($5 > m) m = $5 } END { print m + 0 }') + 4096 ))
[ "$maxlen" -lt 65536 ] && maxlen=65536

args="ARRAY['-max_total_time=$backend_seconds', '-max_len=$maxlen', '-timeout=60',
	'-dict=$here/test/fuzz/json.dict',
	'-rss_limit_mb=4096', '-print_final_stats=1',
	'-artifact_prefix=$tmp/artifacts/', '$corpus']"
run_timeout=$((backend_seconds + 600))
set +e
PGOPTIONS="-c client_min_messages=error" \
	timeout "$run_timeout" "${psql[@]}" -d fuzz -c "SELECT racing_fuzz_run($args)" \
	> "$tmp/run.out" 2>&1
psql_rc=$?
set -e

# the verdict, from the server log and the state of the cluster
problems=()
if [ "$psql_rc" = 124 ]; then
	problems+=("the run did not end within $run_timeout s")
elif ! grep -q 'server closed the connection' "$tmp/run.out"; then
	problems+=("the session did not end the way libFuzzer ends it: $(tr '\n' ' ' < "$tmp/run.out")")
fi
done_line=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$serverlog" | tail -1 || true)
[ -n "$done_line" ] || problems+=("libFuzzer did not finish its run (no \"Done N runs\")")
crashed=0
if grep -qE 'deadly signal|ERROR: libFuzzer|INVARIANT BROKEN|ALARM: working on' "$serverlog"; then
	problems+=("libFuzzer reported a crash, timeout or broken invariant")
	crashed=1
fi
if ls "$tmp/artifacts" | grep -qE '^(crash|timeout|oom|leak|slow-unit)-'; then
	problems+=("inputs saved: $(ls "$tmp/artifacts" | tr '\n' ' ')")
	crashed=1
fi
if grep -qE 'terminated by signal|exited with exit code|was terminated|terminating any other active server processes|all server processes terminated' "$serverlog"; then
	problems+=("the postmaster saw a backend crash")
	crashed=1
fi
if [ "$crashed" = 0 ]; then
	leftover=$("${psql[@]}" -At -d fuzz -c \
		"SELECT (SELECT count(*) FROM racing.batch) + (SELECT count(*) FROM racing.quarantine)" \
		2>&1) || problems+=("the server did not answer after the run: $leftover")
	if [[ "$leftover" =~ ^[0-9]+$ ]] && [ "$leftover" != 0 ]; then
		problems+=("$leftover batch or quarantine rows survived the rollback")
	fi
	summary=$(grep -o 'racing_fuzz: summary: .*' "$serverlog" | tail -1 || true)
	[ -n "$summary" ] || problems+=("no racing_fuzz summary in the server log")
	inputs=$(echo "$summary" | grep -oE '[0-9]+ inputs' | grep -oE '[0-9]+' || echo 0)
	if [ "${inputs:-0}" -lt 1 ]; then
		problems+=("no input went through the loaders")
	fi
fi

"$bindir/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true

if [ "${#problems[@]}" = 0 ]; then
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$serverlog" | tail -1 || true)
	echo "fuzz: JSON loaders in a backend ok ($done_line(s), $inputs inputs through both loaders, ${cov:-cov: ?}; seeds: $nreal real files, $nhand hand-made)"
	echo "fuzz: ${summary#racing_fuzz: summary: }"
	exit 0
fi
echo "fuzz: JSON loaders in a backend FAILED"
for p in "${problems[@]}"; do
	echo "  - $p"
done
echo "  server log without libFuzzer's progress lines, last 40:"
grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse)' "$serverlog" | tail -40 | sed 's/^/    /'
if ls "$tmp/artifacts"/* >/dev/null 2>&1; then
	echo "  saved inputs (first 300 bytes of each):"
	for a in "$tmp/artifacts"/*; do
		echo "    $(basename "$a"): $(head -c 300 "$a" | tr -c '[:print:]' '.')"
	done
fi
# keep what explains the failure, not the cluster
rm -rf "$pgdata" "$tmp/obj"
FUZZ_KEEP=1
exit 1
