--
-- 45_maintenance.sql
--	  The maintenance tasks (docs/maintenance.md): one status row per
--	  task, the function that runs a task once and records the outcome,
--	  racing.run_maintenance() for pg_cron or manual use, and the status
--	  view.  The background worker (src/worker.c) calls the same function
--	  for each task that is due.
--
-- A task holds a transaction-level advisory lock while it runs, so the
-- worker and racing.run_maintenance() never run the same task at once:
-- the second one skips it ("busy").  A failing task is rolled back to a
-- savepoint, recorded with its error, and its next run is pushed back
-- (twice the interval after one failure, four times after two, up to a
-- day or the interval when that is longer).
--

CREATE TABLE racing.maintenance_task (
	task			text PRIMARY KEY,
	run_order		int NOT NULL,
	description		text NOT NULL,
	runs			bigint NOT NULL DEFAULT 0,
	failures		int NOT NULL DEFAULT 0,
	last_start		timestamptz,
	last_duration	interval,
	last_outcome	text CHECK (last_outcome IN ('ok', 'failed', 'skipped')),
	last_error		text,
	last_note		text,
	next_run		timestamptz NOT NULL DEFAULT '-infinity'
);
COMMENT ON TABLE racing.maintenance_task IS
'Internal state of the maintenance tasks: last run, outcome, error and note, consecutive failures and the next run (read racing.maintenance_status).';

INSERT INTO racing.maintenance_task (task, run_order, description) VALUES
	('expire_hot', 1, 'Remove hot-tier entries older than racing.hot_ttl'),
	('recompute_stale', 2, 'Recompute stale feature vectors (racing.recompute_stale, 200 races a run)'),
	('prefetch_cards', 3, 'Read the race cards of declared horse races of today and tomorrow and of scheduled NASCAR races into the hot tier'),
	('refresh_warm', 4, 'Refresh the warm views whose sources changed'),
	('refresh_cold', 5, 'Refresh the cold views whose sources changed'),
	('data_quality', 6, 'Record the data-quality figures of the loaded batches (racing.batch_quality)');

CREATE FUNCTION racing._task_interval(task text)
RETURNS interval LANGUAGE sql STABLE AS
$$
	SELECT make_interval(secs => coalesce(
		(SELECT s.setting::int FROM pg_catalog.pg_settings s
		 WHERE s.name = CASE _task_interval.task
							WHEN 'refresh_warm' THEN 'racing.warm_refresh_interval'
							WHEN 'refresh_cold' THEN 'racing.cold_refresh_interval'
							WHEN 'data_quality' THEN 'racing.warm_refresh_interval'
							ELSE 'racing.maintenance_naptime' END),
		CASE _task_interval.task
			WHEN 'refresh_warm' THEN 7200
			WHEN 'refresh_cold' THEN 86400
			WHEN 'data_quality' THEN 7200
			ELSE 60 END))
$$;
COMMENT ON FUNCTION racing._task_interval(text) IS
'Internal: the interval of a maintenance task from its GUC (racing.maintenance_naptime for the light tasks, racing.warm_refresh_interval, racing.cold_refresh_interval).';

CREATE FUNCTION racing._task_body(task text, OUT outcome text, OUT note text)
LANGUAGE plpgsql VOLATILE AS
$$
DECLARE
	n bigint;
	m bigint;
	r record;
BEGIN
	outcome := 'ok';
	CASE task
	WHEN 'expire_hot' THEN
		n := racing._hot_expire();
		IF n IS NULL THEN
			outcome := 'skipped';
			note := 'hot tier not available: racing is not in shared_preload_libraries';
		ELSE
			note := format('%s expired entries removed', n);
		END IF;
	WHEN 'recompute_stale' THEN
		IF to_regprocedure('racing.recompute_stale(integer)') IS NULL THEN
			outcome := 'skipped';
			note := 'racing.recompute_stale(integer) does not exist';
		ELSE
			EXECUTE 'SELECT racing.recompute_stale($1)' INTO n USING 200;
			note := format('%s vectors recomputed', coalesce(n, 0));
		END IF;
	WHEN 'prefetch_cards' THEN
		IF NOT racing._hot_available() THEN
			outcome := 'skipped';
			note := 'hot tier not available: racing is not in shared_preload_libraries';
		ELSE
			n := 0;
			m := 0;
			FOR r IN SELECT x.race_id FROM racing.race x
					 WHERE x.status = 'declared'
					   AND x.race_date BETWEEN current_date AND current_date + 1
					 ORDER BY x.race_date, x.off_time LOOP
				PERFORM racing._hot_prefetch_card('horse', r.race_id);
				n := n + 1;
			END LOOP;
			FOR r IN SELECT x.race_id FROM racing.nascar_race x
					 WHERE x.status = 'scheduled'
					 ORDER BY x.season, x.race_num LOOP
				PERFORM racing._hot_prefetch_card('nascar', r.race_id);
				m := m + 1;
			END LOOP;
			note := format('%s horse and %s NASCAR race cards prefetched', n, m);
		END IF;
	WHEN 'refresh_warm' THEN
		note := racing.refresh_tier('warm');
	WHEN 'refresh_cold' THEN
		note := racing.refresh_tier('cold');
	WHEN 'data_quality' THEN
		IF to_regclass('racing.batch_quality') IS NULL THEN
			outcome := 'skipped';
			note := 'racing.batch_quality does not exist';
		ELSE
			SELECT format('%s batches (%s in the last day), mean quality %s, %s below racing.quality_threshold',
						  count(*),
						  count(*) FILTER (WHERE q.started_at > now() - interval '1 day'),
						  coalesce(round(avg(q.quality_score)::numeric, 4)::text, 'n/a'),
						  count(*) FILTER (WHERE q.quality_score <
							  coalesce(current_setting('racing.quality_threshold', true), '0.9')::float8))
			INTO note FROM racing.batch_quality q;
		END IF;
	ELSE
		RAISE EXCEPTION 'unknown maintenance task "%"', task
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The tasks are listed in racing.maintenance_status.';
	END CASE;
END
$$;
COMMENT ON FUNCTION racing._task_body(text) IS
'Internal: the work of one maintenance task; returns its outcome (ok or skipped) and a note.';

CREATE FUNCTION racing._maintenance_run_task(task text, force bool)
RETURNS text LANGUAGE plpgsql VOLATILE AS
$$
DECLARE
	t racing.maintenance_task;
	started timestamptz := clock_timestamp();
	res record;
	outcome text;
	note text;
	err text;
	ival interval := racing._task_interval(task);
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('racing maintenance'), hashtext(task)) THEN
		RETURN 'busy';
	END IF;
	SELECT * INTO t FROM racing.maintenance_task m WHERE m.task = _maintenance_run_task.task
	FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'unknown maintenance task "%"', task
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'The tasks are listed in racing.maintenance_status.';
	END IF;
	IF NOT force AND t.next_run > now() THEN
		RETURN 'not due';
	END IF;

	BEGIN
		res := racing._task_body(task);
		outcome := res.outcome;
		note := res.note;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
		outcome := 'failed';
	END;

	UPDATE racing.maintenance_task m
	SET runs = m.runs + 1,
		failures = CASE WHEN outcome = 'failed' THEN m.failures + 1 ELSE 0 END,
		last_start = started,
		last_duration = clock_timestamp() - started,
		last_outcome = outcome,
		last_error = err,
		last_note = note,
		next_run = clock_timestamp() +
			CASE WHEN outcome = 'failed'
				 THEN least(ival * power(2, least(m.failures + 1, 20)),
							greatest(ival, interval '1 day'))
				 ELSE ival END
	WHERE m.task = _maintenance_run_task.task;
	RETURN outcome;
END
$$;
COMMENT ON FUNCTION racing._maintenance_run_task(text, bool) IS
'Internal: run one maintenance task (when due, or always with force) under its advisory lock, catch and record a failure with backoff; returns ok, skipped, failed, busy or not due.';

CREATE FUNCTION racing.run_maintenance()
RETURNS TABLE (task text, outcome text, duration interval, note text)
LANGUAGE plpgsql VOLATILE AS
$$
#variable_conflict use_column
DECLARE
	t text;
	res text;
BEGIN
	FOR t IN SELECT m.task FROM racing.maintenance_task m ORDER BY m.run_order LOOP
		res := racing._maintenance_run_task(t, true);
		IF res = 'busy' THEN
			RETURN QUERY SELECT t, 'skipped'::text, NULL::interval,
				'running in another session'::text;
		ELSE
			RETURN QUERY SELECT m.task, m.last_outcome, m.last_duration,
				coalesce(m.last_error, m.last_note)
				FROM racing.maintenance_task m WHERE m.task = t;
		END IF;
	END LOOP;
END
$$;
COMMENT ON FUNCTION racing.run_maintenance() IS
'Run every maintenance task once now, as the worker does when they are due: idempotent, safe while the worker runs (a task running elsewhere is skipped), a failing task is recorded and does not fail the call.  Schedule it with pg_cron: SELECT cron.schedule(''racing-maintenance'', ''*/10 * * * *'', ''SELECT racing.run_maintenance()'').';

CREATE VIEW racing.maintenance_status AS
SELECT m.task, m.description, m.last_start AS last_run,
	   m.last_duration AS duration, m.last_outcome AS outcome,
	   m.last_error AS error, m.last_note AS note, m.failures, m.runs,
	   m.next_run,
	   (SELECT a.pid FROM pg_catalog.pg_stat_activity a
		WHERE a.backend_type = 'racing maintenance' LIMIT 1) AS worker_pid
FROM racing.maintenance_task m
ORDER BY m.run_order;
COMMENT ON VIEW racing.maintenance_status IS
'One row per maintenance task: last run, duration, outcome (ok, skipped, failed), error, note, consecutive failures, runs, next run, and the pid of the maintenance worker when it is running.';
