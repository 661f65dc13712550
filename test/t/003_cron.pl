# pg_cron schedules racing.run_maintenance() and cron.job_run_details
# records a successful run, next to the maintenance worker.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'racing,pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
racing.database = 'postgres'
racing.maintenance_naptime = 2
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');
$node->safe_psql('postgres', 'CREATE EXTENSION racing');
my $jobid = $node->safe_psql('postgres',
	q{SELECT cron.schedule('racing-maintenance', '* * * * *', 'SELECT racing.run_maintenance()')});
ok($jobid > 0, 'job scheduled');

# pg_cron's smallest step is a minute: wait for up to three
my $done = $node->poll_query_until('postgres', qq{
	SELECT count(*) > 0 FROM cron.job_run_details
	WHERE jobid = $jobid AND status IN ('succeeded', 'failed')}, 't');
ok($done, 'pg_cron ran the job');
is($node->safe_psql('postgres', qq{
	SELECT status FROM cron.job_run_details WHERE jobid = $jobid
	ORDER BY start_time LIMIT 1}),
	'succeeded', 'racing.run_maintenance() succeeded under pg_cron');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM racing.maintenance_status WHERE outcome = 'failed'"),
	'0', 'no task failed');

$node->stop;
done_testing();
