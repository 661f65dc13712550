# Without shared_preload_libraries: CREATE EXTENSION works, cached reads
# return what the base functions return with one notice per session and a
# hint, the statistics are zeros, maintenance runs with the hot-tier tasks
# skipped, and no worker runs.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $srcdir = abs_path(dirname(__FILE__) . '/../..');
my $sample = "$srcdir/test/data/rpscrape_sample.csv";

my $node = PostgreSQL::Test::Cluster->new('no_preload');
$node->init;
$node->start;

my ($ret, $out, $err) = $node->psql('postgres', 'CREATE EXTENSION racing');
is($ret, 0, 'CREATE EXTENSION works without preloading') or diag($err);
$node->safe_psql('postgres', "SELECT racing.load_rpscrape('$sample')");

($ret, $out, $err) = $node->psql('postgres', q{
	SELECT count(*) FILTER (WHERE racing.feature_vector('horse', f.entry_id)
							IS NOT DISTINCT FROM racing.feature_vector_base('horse', f.entry_id)),
		   count(*)
	FROM racing.entry_features f;
	SELECT count(*) FROM racing.race_card('horse', 1);
});
my ($equal, $total) = split /\|/, (split /\n/, $out)[0];
ok($total > 0 && $equal == $total, 'vectors equal the base function');
is($ret, 0, 'reads do not fail');
my @notices = ($err =~ /NOTICE:  racing hot cache is not available/g);
is(scalar @notices, 1, 'one notice per session');
like($err, qr/HINT:  Add racing to shared_preload_libraries/, 'with a hint');

is($node->safe_psql('postgres',
		"SELECT string_agg(tier || ':' || hits || ':' || misses, ' ' ORDER BY tier) FROM racing.cache_stats"),
	'cold:0:0 hot:0:0 warm:0:0', 'statistics are zeros');
($ret, $out, $err) = $node->psql('postgres', 'SELECT racing.cache_stats_reset()');
like($err, qr/racing cache statistics are not available/, 'reset says why it cannot');

is($node->safe_psql('postgres',
		"SELECT string_agg(task || ':' || outcome, ' ') FROM racing.run_maintenance()"),
	'expire_hot:skipped recompute_stale:ok prefetch_cards:skipped refresh_warm:ok refresh_cold:ok data_quality:ok',
	'run_maintenance runs, hot-tier tasks skipped');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'racing maintenance'"),
	'0', 'no worker without preloading');
is($node->safe_psql('postgres', 'SELECT racing.cache_flush() IS NULL'), 't',
	'cache_flush is a no-op');

$node->stop;
done_testing();
