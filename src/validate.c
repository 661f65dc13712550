/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  Row-level validation of horse-racing runners and NASCAR entries,
 *	  and the C triggers that apply the same rules to direct writes.
 *
 * The loaders call validate_horse_row() / validate_nascar_row() on each
 * typed row and quarantine the rows that fail.  The BEFORE INSERT OR
 * UPDATE triggers racing.runner_validate and racing.nascar_entry_validate
 * apply the same ranges to rows written by hand, where failing is an
 * error (SQLSTATE 23514, check_violation), so the result tables hold
 * only rows that pass whatever path they came by.
 *
 * Ranges are deliberately wide: they catch garbage (a weight of 1400,
 * an age of 0, odds of 1.0), not unusual but real results.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "load.h"

PG_FUNCTION_INFO_V1(runner_validate);
PG_FUNCTION_INFO_V1(nascar_entry_validate);
PG_FUNCTION_INFO_V1(race_order_check);

/*
 * Set while the loaders write entries: they check each race as a whole
 * before writing it and quarantine what fails, so the statement trigger
 * below leaves their statements alone.
 */
bool		racing_loader_writing = false;

/* Is the integer column present and outside [lo, hi]?  Sets message. */
static bool
int_out_of_range(LoadRow *row, int col, int lo, int hi, const char *name,
				 const char **column, char **message, const char *why)
{
	int32		v;

	if (row->nulls[col])
		return false;
	v = DatumGetInt32(row->values[col]);
	if (v >= lo && v <= hi)
		return false;
	*column = name;
	*message = psprintf("%s %d is out of range %d..%d%s", name, v, lo, hi,
						why ? why : "");
	return true;
}

static bool
float_out_of_range(LoadRow *row, int col, double lo, double hi,
				   const char *name, const char **column, char **message)
{
	double		v;

	if (row->nulls[col])
		return false;
	v = DatumGetFloat8(row->values[col]);
	if (v >= lo && v <= hi && !isnan(v))
		return false;
	*column = name;
	*message = psprintf("%s %g is out of range %g..%g", name, v, lo, hi);
	return true;
}

/*
 * Names that are keys (and so sit in unique indexes) may be at most
 * RACING_MAX_NAME bytes: a longer one is garbage, and would not fit in
 * an index entry.
 */
#define RACING_MAX_NAME 200

static bool
name_too_long(LoadRow *row, int col, const char *name, const char **column,
			  char **message)
{
	Size		len;

	if (row->nulls[col])
		return false;
	len = VARSIZE_ANY_EXHDR(DatumGetPointer(row->values[col]));
	if (len <= RACING_MAX_NAME)
		return false;
	*column = name;
	*message = psprintf("%s is %zu bytes long, more than the %d a name may have",
						name, len, RACING_MAX_NAME);
	return true;
}

/* today as a DateADT */
static DateADT
today(void)
{
	return DatumGetDateADT(DirectFunctionCall1(timestamptz_date,
											   TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())));
}

/*
 * Check one horse-racing row.  Returns true when it passes; otherwise
 * sets the rule, column and a message.
 */
bool
validate_horse_row(LoadRow *row, const char **rule, const char **column,
				   char **message)
{
	bool		jumps = false;
	bool		result = !row->nulls[H_HAS_RESULT] &&
		DatumGetBool(row->values[H_HAS_RESULT]);

	*rule = "range";
	*column = NULL;

	if (!row->nulls[H_RACE_TYPE])
	{
		char	   *t = TextDatumGetCString(row->values[H_RACE_TYPE]);

		jumps = (strcmp(t, "Flat") != 0);
	}

	if (result && !row->nulls[H_RACE_DATE] &&
		DatumGetDateADT(row->values[H_RACE_DATE]) > today())
	{
		int			y,
					m,
					d;

		*rule = "future_date";
		*column = "date";
		j2date(DatumGetDateADT(row->values[H_RACE_DATE]) + POSTGRES_EPOCH_JDATE,
			   &y, &m, &d);
		*message = psprintf("race date %04d-%02d-%02d is in the future but the row has a result",
							y, m, d);
		return false;
	}
	if (name_too_long(row, H_HORSE, "horse", column, message) ||
		name_too_long(row, H_COURSE, "course", column, message) ||
		name_too_long(row, H_JOCKEY, "jockey", column, message) ||
		name_too_long(row, H_TRAINER, "trainer", column, message))
		return false;
	if (int_out_of_range(row, H_AGE, 2, 20, "age", column, message, NULL))
		return false;
	if (row->nulls[H_RACE_TYPE])
	{
		if (int_out_of_range(row, H_LBS, 98, 182, "lbs", column, message, NULL))
			return false;
	}
	else if (jumps)
	{
		if (int_out_of_range(row, H_LBS, 126, 182, "lbs", column, message,
							 " for jumps races"))
			return false;
	}
	else if (int_out_of_range(row, H_LBS, 98, 168, "lbs", column, message,
							  " for Flat races"))
		return false;
	if (int_out_of_range(row, H_DRAW, 0, 50, "draw", column, message, NULL))
		return false;
	if (int_out_of_range(row, H_NUM, 1, 99, "num", column, message, NULL))
		return false;
	if (int_out_of_range(row, H_RAN, 1, 99, "ran", column, message, NULL))
		return false;
	if (int_out_of_range(row, H_OFFICIAL_RATING, 0, 200, "or", column, message, NULL))
		return false;
	if (int_out_of_range(row, H_RPR, 0, 250, "rpr", column, message, NULL))
		return false;
	if (int_out_of_range(row, H_TS, 0, 250, "ts", column, message, NULL))
		return false;
	if (int_out_of_range(row, H_DIST_YARDS, 800, 9000, "dist", column, message, " yards"))
		return false;
	if (float_out_of_range(row, H_SP_DECIMAL, 1.001, 1001.0, "dec", column, message))
		return false;
	if (float_out_of_range(row, H_TIME_SECS, 40.0, 1200.0, "secs", column, message))
		return false;
	if (float_out_of_range(row, H_OVR_BTN, 0.0, 999.0, "ovr_btn", column, message))
		return false;
	if (float_out_of_range(row, H_PRIZE, 0.0, 1.0e8, "prize", column, message))
		return false;
	if (!row->nulls[H_POSITION] && !row->nulls[H_RAN] &&
		DatumGetInt32(row->values[H_POSITION]) > DatumGetInt32(row->values[H_RAN]))
	{
		*rule = "position";
		*column = "pos";
		*message = psprintf("position %d is beyond the %d runners of the race",
							DatumGetInt32(row->values[H_POSITION]),
							DatumGetInt32(row->values[H_RAN]));
		return false;
	}
	return true;
}

/*
 * Check one NASCAR row.
 */
bool
validate_nascar_row(LoadRow *row, const char **rule, const char **column,
					char **message)
{
	int			year;
	int			month;
	int			day;

	*rule = "range";
	*column = NULL;

	if (name_too_long(row, N_DRIVER, "Driver", column, message) ||
		name_too_long(row, N_TRACK, "Track", column, message) ||
		name_too_long(row, N_TEAM, "Team", column, message) ||
		name_too_long(row, N_CAR, "Car", column, message))
		return false;

	j2date(today() + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	/* a race not yet run (an entry list, a practice) may be next season's */
	if (!row->nulls[N_RACE_STATUS] &&
		strcmp(TextDatumGetCString(row->values[N_RACE_STATUS]), "result") != 0)
		year++;
	if (int_out_of_range(row, N_SEASON, 1949, year, "Season", column, message, NULL))
	{
		if (DatumGetInt32(row->values[N_SEASON]) > year)
			*rule = "future_date";
		return false;
	}
	if (int_out_of_range(row, N_RACE_NUM, 0, 60, "Race", column, message, NULL))
		return false;
	if (int_out_of_range(row, N_FINISH, 1, 60, "Finish", column, message, NULL))
		return false;
	if (int_out_of_range(row, N_START, 0, 60, "Start", column, message, NULL))
		return false;
	if (int_out_of_range(row, N_LAPS, 0, 2000, "Laps", column, message, NULL))
		return false;
	if (int_out_of_range(row, N_POINTS, -100, 100, "Pts", column, message, NULL))
		return false;
	if (float_out_of_range(row, N_RATING, 0.0, 150.0, "Rating", column, message))
		return false;
	if (float_out_of_range(row, N_LENGTH, 0.1, 5.0, "Length", column, message))
		return false;
	if (!row->nulls[N_LED] && !row->nulls[N_LAPS] &&
		(DatumGetInt32(row->values[N_LED]) < 0 ||
		 DatumGetInt32(row->values[N_LED]) > DatumGetInt32(row->values[N_LAPS])))
	{
		*rule = "consistency";
		*column = "Led";
		*message = psprintf("laps led %d is outside 0..%d laps completed",
							DatumGetInt32(row->values[N_LED]),
							DatumGetInt32(row->values[N_LAPS]));
		return false;
	}
	if (!row->nulls[N_WIN] && !row->nulls[N_FINISH] &&
		DatumGetBool(row->values[N_WIN]) != (DatumGetInt32(row->values[N_FINISH]) == 1))
	{
		*rule = "consistency";
		*column = "Win";
		*message = psprintf("Win is %d but the car finished %d",
							DatumGetBool(row->values[N_WIN]) ? 1 : 0,
							DatumGetInt32(row->values[N_FINISH]));
		return false;
	}
	return true;
}

/*
 * Copy a column of the trigger tuple into a row column, converting the
 * stored type (int4, real, numeric, bool, text) to the row's type.
 */
static void
tuple_to_row(HeapTuple tuple, TupleDesc desc, const char *attname,
			 LoadRow *row, int col)
{
	int			attno = SPI_fnumber(desc, attname);
	bool		isnull;
	Datum		d;
	Oid			type;

	if (attno <= 0)
		return;
	d = heap_getattr(tuple, attno, desc, &isnull);
	if (isnull)
		return;
	type = SPI_gettypeid(desc, attno);
	if (type == FLOAT4OID)
		d = Float8GetDatum((double) DatumGetFloat4(d));
	else if (type == NUMERICOID)
		d = DirectFunctionCall1(numeric_float8, d);
	row->values[col] = d;
	row->nulls[col] = false;
}

/*
 * Common body of the two validation triggers.
 */
static Datum
validate_trigger(FunctionCallInfo fcinfo, LoadSport sport)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	LoadRow		row;
	const char *rule;
	const char *column;
	char	   *message;
	bool		ok;
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("racing validation functions must be fired BEFORE, FOR EACH ROW")));

	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = RelationGetDescr(trigdata->tg_relation);

	memset(&row, 0, sizeof(row));
	for (i = 0; i < LOAD_MAX_COLS; i++)
		row.nulls[i] = true;

	if (sport == SPORT_HORSE)
	{
		tuple_to_row(tuple, desc, "age", &row, H_AGE);
		tuple_to_row(tuple, desc, "lbs", &row, H_LBS);
		tuple_to_row(tuple, desc, "draw", &row, H_DRAW);
		tuple_to_row(tuple, desc, "num", &row, H_NUM);
		tuple_to_row(tuple, desc, "official_rating", &row, H_OFFICIAL_RATING);
		tuple_to_row(tuple, desc, "rpr", &row, H_RPR);
		tuple_to_row(tuple, desc, "ts", &row, H_TS);
		tuple_to_row(tuple, desc, "sp_decimal", &row, H_SP_DECIMAL);
		tuple_to_row(tuple, desc, "time_secs", &row, H_TIME_SECS);
		tuple_to_row(tuple, desc, "ovr_btn", &row, H_OVR_BTN);
		tuple_to_row(tuple, desc, "prize", &row, H_PRIZE);
		tuple_to_row(tuple, desc, "position", &row, H_POSITION);
		ok = validate_horse_row(&row, &rule, &column, &message);
	}
	else
	{
		tuple_to_row(tuple, desc, "finish", &row, N_FINISH);
		tuple_to_row(tuple, desc, "start_pos", &row, N_START);
		tuple_to_row(tuple, desc, "laps", &row, N_LAPS);
		tuple_to_row(tuple, desc, "laps_led", &row, N_LED);
		tuple_to_row(tuple, desc, "points", &row, N_POINTS);
		tuple_to_row(tuple, desc, "rating", &row, N_RATING);
		tuple_to_row(tuple, desc, "win", &row, N_WIN);
		ok = validate_nascar_row(&row, &rule, &column, &message);
	}

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s row fails racing validation rule \"%s\"",
						RelationGetRelationName(trigdata->tg_relation), rule),
				 errdetail("%s", message),
				 errhint("The loaders quarantine such rows; when writing by hand, correct the value of column %s.",
						 column ? column : "shown")));

	return PointerGetDatum(tuple);
}

/*
 * BEFORE INSERT OR UPDATE trigger on racing.runner.
 */
Datum
runner_validate(PG_FUNCTION_ARGS)
{
	return validate_trigger(fcinfo, SPORT_HORSE);
}

/*
 * BEFORE INSERT OR UPDATE trigger on racing.nascar_entry.
 */
Datum
nascar_entry_validate(PG_FUNCTION_ARGS)
{
	return validate_trigger(fcinfo, SPORT_NASCAR);
}

/*
 * AFTER INSERT OR UPDATE statement trigger on racing.runner ('horse') and
 * racing.nascar_entry ('nascar'), with the new rows as transition table
 * new_rows: the races the statement touched must still have a possible
 * finishing order.  Horse races: k runners sharing position p leave
 * positions p+1 .. p+k-1 free (a dead heat), and no position is beyond
 * the field.  NASCAR: finishes unique, one winner at most.
 *
 * XXX The loaders skip this check (racing_loader_writing): they check
 * each race of the file as a whole and quarantine it, while an error here
 * would abort the whole load.  A file holding only part of a race can
 * therefore contradict rows stored earlier; the loaders' check does not
 * look at the stored rows of the race.
 */
Datum
race_order_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	bool		horse;
	const char *sql;
	int			ret;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) ||
		trigdata->tg_newtable == NULL ||
		trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("racing.race_order_check must be fired AFTER, FOR EACH STATEMENT, with a NEW TABLE and one argument")));
	if (racing_loader_writing)
		return PointerGetDatum(NULL);

	horse = strcmp(trigdata->tg_trigger->tgargs[0], "horse") == 0;
	if (horse)
		sql = "WITH touched AS (SELECT DISTINCT race_id FROM new_rows),"
			" pos AS (SELECT u.race_id, u.position, count(*) AS k"
			"   FROM racing.runner u JOIN touched USING (race_id)"
			"   WHERE u.position IS NOT NULL GROUP BY 1, 2)"
			" SELECT p.race_id, format('position %s is shared by %s runners but position %s is also taken',"
			"   p.position, p.k, q.position)"
			" FROM pos p JOIN pos q ON q.race_id = p.race_id"
			"   AND q.position > p.position AND q.position < p.position + p.k"
			" WHERE p.k > 1"
			" UNION ALL"
			" SELECT r.race_id, format('position %s is beyond the %s runners of the race', max(u.position), r.ran)"
			" FROM racing.race r JOIN touched USING (race_id)"
			"   JOIN racing.runner u USING (race_id)"
			" GROUP BY r.race_id, r.ran HAVING max(u.position) > r.ran"
			" LIMIT 1";
	else
		sql = "WITH touched AS (SELECT DISTINCT race_id FROM new_rows)"
			" SELECT e.race_id, format('finishing position %s occurs %s times', e.finish, count(*))"
			" FROM racing.nascar_entry e JOIN touched USING (race_id)"
			" WHERE e.finish IS NOT NULL GROUP BY e.race_id, e.finish HAVING count(*) > 1"
			" UNION ALL"
			" SELECT e.race_id, format('%s cars are marked as winner', count(*))"
			" FROM racing.nascar_entry e JOIN touched USING (race_id)"
			" WHERE e.win GROUP BY e.race_id HAVING count(*) > 1"
			" LIMIT 1";

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "racing: SPI_connect failed");
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "racing: could not register the transition table");
	ret = SPI_execute(sql, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "racing: race order check failed: %s",
			 SPI_result_code_string(ret));
	if (SPI_processed > 0)
	{
		char	   *race_id = SPI_getvalue(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1);
		char	   *problem = SPI_getvalue(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 2);

		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s race %s has an impossible finishing order",
						horse ? "horse" : "NASCAR", race_id),
				 errdetail("%s.", problem),
				 errhint("Dead heats share a position and leave the next ones free; correct the positions of the race in one statement.")));
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
