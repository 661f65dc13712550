# The maintenance worker and the hot tier across process failures: the
# worker runs while the extension is missing, prefetches upcoming race
# cards, survives a failing task (recorded, backed off, recovered), comes
# back after SIGTERM without a server restart, and after SIGKILL or a
# server restart with an empty hot tier that refills.  Also: the size cap
# holds under eviction, and racing.run_maintenance() next to the worker
# refreshes a changed view once.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $srcdir = abs_path(dirname(__FILE__) . '/../..');
my $horse_file = "$srcdir/../shared/data/horse/rpscrape_full.csv";

my $node = PostgreSQL::Test::Cluster->new('cache_worker');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'racing'
racing.database = 'postgres'
racing.maintenance_naptime = 1
racing.warm_refresh_interval = 1
racing.hot_cache_size = 256kB
racing.hot_ttl = 1h
restart_after_crash = on
});
$node->start;

my $worker_sql =
  "SELECT pid FROM pg_stat_activity WHERE backend_type = 'racing maintenance'";

# the worker runs, and keeps running, while the extension is not installed
ok($node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ($worker_sql) w"),
	'worker shows in pg_stat_activity as racing maintenance');
my $pid0 = $node->safe_psql('postgres', $worker_sql);
sleep 3;
is($node->safe_psql('postgres', $worker_sql), $pid0,
	'worker waits without the extension and does not restart');

$node->safe_psql('postgres', 'CREATE EXTENSION racing');
my ($ret, $out, $err) = $node->psql('postgres',
	"SELECT rows_stored FROM racing.load_rpscrape('$horse_file')");
is($ret, 0, 'full horse file loads') or diag($err);

# a declared race of today: prefetched by the worker at high priority
$node->safe_psql('postgres', q{
	SELECT rows_stored FROM racing.load_rpscrape_data(convert_to(
		'date,course,off,horse,jockey' || E'\n' ||
		to_char(current_date, 'YYYY-MM-DD') || ',Ascot,23:50,Mill Stream (IRE),William Buick' || E'\n' ||
		to_char(current_date, 'YYYY-MM-DD') || ',Ascot,23:50,Prize Dancer (IRE),Tom Marquand' || E'\n',
		'UTF8'), 'card.csv')});
ok($node->poll_query_until('postgres',
		"SELECT note LIKE '1 horse%' FROM racing.maintenance_status WHERE task = 'prefetch_cards'"),
	'worker prefetches the declared race card');
ok($node->poll_query_until('postgres',
		"SELECT entries > 0 FROM racing.cache_stats WHERE tier = 'hot'"),
	'hot tier holds the prefetched card');

# the size cap: read every vector through a 256kB tier
$node->safe_psql('postgres',
	"SELECT count(racing.feature_vector('horse', entry_id)) FROM racing.entry_features WHERE sport = 'horse'");
my $stats = $node->safe_psql('postgres',
	"SELECT evictions > 0, bytes <= 256 * 1024, entries < 2000 FROM racing.cache_stats WHERE tier = 'hot'");
is($stats, 't|t|t', 'hot tier evicts before insert and stays within racing.hot_cache_size');
my $card_race = $node->safe_psql('postgres',
	"SELECT race_id FROM racing.race WHERE status = 'declared'");
my $misses_before = $node->safe_psql('postgres',
	"SELECT misses FROM racing.cache_stats WHERE tier = 'hot'");
$node->safe_psql('postgres', "SELECT count(*) FROM racing.race_card('horse', $card_race)");
is($node->safe_psql('postgres', "SELECT misses FROM racing.cache_stats WHERE tier = 'hot'"),
	$misses_before, 'the upcoming card outlived the flood of history (its read is a hit)');

# run_maintenance next to the worker: one refresh per change
ok($node->poll_query_until('postgres',
		"SELECT sum(stale) = 0 FROM racing.feature_staleness"),
	'no stale vectors left for the worker to recompute');
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM racing.tier_change WHERE view_name = 'warm_race_card'"),
	'worker refreshed the warm views after the load');
my $refreshes = $node->safe_psql('postgres',
	"SELECT refreshes FROM racing.tier_view WHERE view_name = 'warm_race_card'");
$node->safe_psql('postgres',
	"UPDATE racing.entry_features SET vec[1] = vec[1] WHERE sport = 'horse' AND entry_id = 1");
for my $i (1 .. 3)
{
	($ret, $out, $err) = $node->psql('postgres',
		"SELECT count(*) FROM racing.run_maintenance() WHERE outcome = 'failed'");
	is($out, '0', "run_maintenance call $i next to the worker has no failed task");
}
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM racing.tier_change WHERE view_name = 'warm_race_card'"),
	'the change was consumed');
is($node->safe_psql('postgres',
		"SELECT refreshes FROM racing.tier_view WHERE view_name = 'warm_race_card'"),
	$refreshes + 1, 'one change, one refresh');

# a failing task is recorded and backed off; the worker lives on
$node->safe_psql('postgres', q{
	CREATE TABLE saved_fn AS
		SELECT pg_get_functiondef('racing.recompute_stale(integer)'::regprocedure) AS def;
	CREATE OR REPLACE FUNCTION racing.recompute_stale(max_races int DEFAULT NULL)
	RETURNS bigint LANGUAGE plpgsql AS
	$$ BEGIN RAISE EXCEPTION 'simulated failure of recompute_stale'; END $$;
});
ok($node->poll_query_until('postgres', q{
	SELECT outcome = 'failed' AND error = 'simulated failure of recompute_stale'
		AND failures >= 2 AND next_run > last_run + interval '1.5 seconds'
	FROM racing.maintenance_status WHERE task = 'recompute_stale'}),
	'failing task recorded with its error and backed off');
is($node->safe_psql('postgres',
		"SELECT bool_and(outcome = 'ok') FROM racing.maintenance_status WHERE task <> 'recompute_stale'"),
	't', 'the other tasks go on');
is($node->safe_psql('postgres', $worker_sql), $pid0, 'the worker did not crash');
$node->safe_psql('postgres', q{
	DO $$ BEGIN EXECUTE (SELECT def FROM saved_fn); END $$;
	DROP TABLE saved_fn;
});
ok($node->poll_query_until('postgres',
		"SELECT outcome = 'ok' AND failures = 0 FROM racing.maintenance_status WHERE task = 'recompute_stale'"),
	'the task recovers once the cause is gone');

# expired entries are misses, and are swept
$node->safe_psql('postgres', "ALTER SYSTEM SET racing.hot_ttl = '1s'");
$node->reload;
my $hot_sql = "SELECT misses || ':' || expirations FROM racing.cache_stats WHERE tier = 'hot'";
$node->safe_psql('postgres', "SELECT racing.feature_vector('horse', 7)");
$node->safe_psql('postgres', "SELECT racing.feature_vector('horse', 7)");
my ($m0, $x0) = split /:/, $node->safe_psql('postgres', $hot_sql);
sleep 3;
$node->safe_psql('postgres', "SELECT racing.feature_vector('horse', 7)");
my ($m1, $x1) = split /:/, $node->safe_psql('postgres', $hot_sql);
ok($m1 > $m0 && $x1 > $x0, 'an entry older than racing.hot_ttl is a miss and counts as expired');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET racing.hot_ttl');
$node->reload;

# SIGTERM: the worker comes back, the server and the hot tier stay
my $reset_at = $node->safe_psql('postgres',
	"SELECT reset_at FROM racing.cache_stats WHERE tier = 'hot'");
my $start = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
kill 'TERM', $pid0;
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM ($worker_sql) w WHERE pid <> $pid0"),
	'worker restarted after SIGTERM');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $start,
	'SIGTERM did not restart the server');
is($node->safe_psql('postgres', "SELECT reset_at FROM racing.cache_stats WHERE tier = 'hot'"),
	$reset_at, 'hot tier kept across a worker restart');

# SIGKILL: crash restart, empty hot tier, refilled by the next prefetch
sub delay_prefetch
{
	$node->safe_psql('postgres',
		"UPDATE racing.maintenance_task SET next_run = now() + interval '20 seconds' WHERE task = 'prefetch_cards'");
}
delay_prefetch();
my $pid1 = $node->safe_psql('postgres', $worker_sql);
kill 'KILL', $pid1;
ok($node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM ($worker_sql) w WHERE pid <> $pid1"),
	'worker back after SIGKILL and the crash restart');
isnt($node->safe_psql('postgres', "SELECT reset_at FROM racing.cache_stats WHERE tier = 'hot'"),
	$reset_at, 'shared memory was created anew');
is($node->safe_psql('postgres', "SELECT entries FROM racing.cache_stats WHERE tier = 'hot'"),
	'0', 'hot tier empty after the crash');
ok($node->poll_query_until('postgres',
		"SELECT entries > 0 FROM racing.cache_stats WHERE tier = 'hot'"),
	'hot tier refilled by the worker');
like(slurp_file($node->logfile), qr/racing maintenance worker started/,
	'worker logs its start');

# server restart: same again, task history kept
delay_prefetch();
my $runs = $node->safe_psql('postgres',
	"SELECT runs FROM racing.maintenance_status WHERE task = 'expire_hot'");
$node->restart;
is($node->safe_psql('postgres', "SELECT entries FROM racing.cache_stats WHERE tier = 'hot'"),
	'0', 'hot tier empty after a server restart');
ok($node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ($worker_sql) w"),
	'worker running after a server restart');
ok($node->poll_query_until('postgres',
		"SELECT runs > $runs FROM racing.maintenance_status WHERE task = 'expire_hot'"),
	'task history survived the restart and the worker continues it');
ok($node->poll_query_until('postgres',
		"SELECT entries > 0 FROM racing.cache_stats WHERE tier = 'hot'"),
	'hot tier refilled after the restart');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM racing.maintenance_status WHERE outcome = 'failed'"),
	'0', 'no task failed');

$node->stop;
like(slurp_file($node->logfile), qr/racing maintenance worker stopped/,
	'worker logs its stop');
done_testing();
