/*-------------------------------------------------------------------------
 *
 * features_calc.c
 *	  The definitions of the horse and NASCAR feature sets: pure functions
 *	  from one entry's pre-race columns and its point-in-time history to a
 *	  float4 vector.
 *
 * Nothing here reads a table.  features.c fetches the history with a
 * strict "before this race" condition (earlier days for horses, earlier
 * (season, race) for NASCAR) and hands it over: the run statistics of the
 * horse or driver, newest first, and sums of the aggregate tree.  The
 * entry structs carry pre-race columns only, so a vector cannot depend
 * on its own result.  A value that does not exist (a debutant's last
 * run, a rate without a single run) is NaN.
 *
 * The names below are the catalog order; docs/features.md defines each.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "features.h"

#define NAN4 ((float4) NAN)

const char *const horse_feature_names[HORSE_NFEATURES] = {
	"n_runs", "debut", "days_since_run", "last_normpos", "avg_normpos_3",
	"last_beaten", "avg_beaten_pf_3", "win_sr", "place_sr", "course_runs",
	"course_wins", "cd_winner", "dist_pref", "going_pref", "dist_change",
	"class_drop", "or_today", "or_change", "rpr_last", "rpr_best3",
	"rpr_trend", "well_in", "lbs", "lbs_vs_top", "lbs_change",
	"or_vs_field", "age", "age_vs_field", "sex_female", "draw_pct",
	"draw_bias", "jockey_rides_365", "jockey_sr_365", "trainer_runs_365",
	"trainer_sr_365", "trainer_form_14", "jt_sr_730", "hg_first_time",
	"hg_changed", "field_size", "log_field_size", "sire_going_sr",
	"sire_dist_sr", "dist_f", "handicap"
};

const char *const nascar_feature_names[NASCAR_NFEATURES] = {
	"starts_career", "rookie", "avg_finish_18", "avg_finish_track_8",
	"avg_finish_type_8", "avg_rating_track_8", "rating_track_n",
	"ytd_rating", "start", "start_pct", "pos_gain_10", "win_sr_36",
	"top5_sr_36", "top10_sr_36", "led_share_10", "lead_lap_rate_10",
	"dnf_crash_36", "dnf_mech_36", "stage_avg_10", "finish_sd_10",
	"team_form_10", "make_type_form", "starts_track", "races_since_last",
	"pts_rank_before", "team_changed", "led_share_track_8", "field_size"
};

/*
 * Shrunk rate (k + m * p0) / (n + m): toward p0 when n is small.
 */
static float4
shrunk(double k, double n, double m, double p0)
{
	return (float4) ((k + m * p0) / (n + m));
}

/*
 * Code of a going group as written by racing.going_group(): 0 unknown.
 */
int
horse_going_code(const char *going_group)
{
	static const char *const groups[] = {"F", "G", "GS", "S", "H", "AW", "DIRT"};
	int			i;

	if (going_group == NULL)
		return 0;
	for (i = 0; i < (int) lengthof(groups); i++)
		if (strcmp(going_group, groups[i]) == 0)
			return i + 1;
	return 0;
}

/*
 * Headgear set as a bit mask (b v p t h e/s, anything else one bit), and
 * whether a trailing "1" marks it as worn for the first time.
 */
int
horse_hg_mask(const char *headgear, bool *first_time)
{
	int			mask = 0;
	const char *p;

	*first_time = false;
	if (headgear == NULL)
		return 0;
	for (p = headgear; *p; p++)
	{
		switch (*p)
		{
			case 'b':
				mask |= 1;
				break;
			case 'v':
				mask |= 2;
				break;
			case 'p':
				mask |= 4;
				break;
			case 't':
				mask |= 8;
				break;
			case 'h':
				mask |= 16;
				break;
			case 'e':
			case 's':
				mask |= 32;
				break;
			case '/':
			case ' ':
				break;
			case '1':
				if (p[1] == '\0')
					*first_time = true;
				break;
			default:
				mask |= 64;
				break;
		}
	}
	return mask;
}

/*
 * Class number from "Class N"; pattern races (Group, Grade, Listed) are
 * class 1.  NaN when neither says anything.
 */
float4
horse_class_num(const char *race_class, const char *pattern)
{
	if (pattern != NULL && (strncmp(pattern, "Group", 5) == 0 ||
							strncmp(pattern, "Grade", 5) == 0 ||
							strncmp(pattern, "Listed", 6) == 0))
		return 1;
	if (race_class != NULL && strncmp(race_class, "Class ", 6) == 0 &&
		race_class[6] >= '1' && race_class[6] <= '9')
		return (float4) (race_class[6] - '0');
	return NAN4;
}

/*
 * Code of a NASCAR track type as written by racing.track_type().
 */
int
nascar_track_type_code(const char *track_type)
{
	static const char *const types[] = {"road", "superspeedway", "intermediate",
	"short", "dirt"};
	int			i;

	if (track_type == NULL)
		return 0;
	for (i = 0; i < (int) lengthof(types); i++)
		if (strcmp(track_type, types[i]) == 0)
			return i + 1;
	return 6;
}

/*
 * Code of a status category of racing.nascar_status_category(): 0
 * finished, 1 crash, 2 mechanical, 3 disqualified, 4 anything else.
 */
int
nascar_status_code(const char *category)
{
	if (category == NULL)
		return 4;
	if (strcmp(category, "finished") == 0)
		return 0;
	if (strcmp(category, "crash") == 0)
		return 1;
	if (strcmp(category, "mechanical") == 0)
		return 2;
	if (strcmp(category, "disqualified") == 0)
		return 3;
	return 4;
}

/* Distance tolerance of "the same distance band" for today's race. */
static float4
dist_band(const HorseRace *race)
{
	return (race->flat && race->dist_f <= 12) ? 1.0f : 2.0f;
}

/*
 * The horse vector.  runs holds HS_N floats per earlier run of the horse,
 * newest first (only runs with a result, non-runners left out); aggs
 * holds the sums (n, v1, v2, v3) of the HA_* requests.
 */
void
horse_vector(const HorseRace *race, const HorseEntry *entry,
			 const float4 *runs, int nruns,
			 const double aggs[HA_N][4], float4 *vec)
{
	int			i;
	double		sum,
				wins,
				places;
	double		band_sum = 0,
				going_sum = 0;
	int			band_n = 0,
				going_n = 0;
	int			course_runs = 0,
				course_wins = 0;
	bool		cd_winner = false;
	float4		rpr_best3 = NAN4;
	const float4 *last = nruns > 0 ? runs : NULL;

#define RUN(k, f) (runs[(k) * HS_N + (f)])

	for (i = 0; i < HORSE_NFEATURES; i++)
		vec[i] = NAN4;

	/* career */
	vec[0] = nruns;
	vec[1] = nruns == 0 ? 1 : 0;
	sum = wins = places = 0;
	for (i = 0; i < nruns; i++)
	{
		sum += RUN(i, HS_NORMPOS);
		wins += RUN(i, HS_WIN);
		places += RUN(i, HS_PLACE);
		if (RUN(i, HS_COURSE) == race->course_key)
		{
			course_runs++;
			course_wins += RUN(i, HS_WIN) > 0;
			if (RUN(i, HS_WIN) > 0 && !isnan(race->dist_f) &&
				fabs(RUN(i, HS_DIST_F) - race->dist_f) <= 0.5)
				cd_winner = true;
		}
		if (!isnan(race->dist_f) &&
			fabs(RUN(i, HS_DIST_F) - race->dist_f) <= dist_band(race))
		{
			band_sum += RUN(i, HS_NORMPOS);
			band_n++;
		}
		if (race->going != 0 && RUN(i, HS_GOING) == race->going)
		{
			going_sum += RUN(i, HS_NORMPOS);
			going_n++;
		}
	}
	vec[7] = shrunk(wins, nruns, 5, 0.10);
	vec[8] = shrunk(places, nruns, 5, 0.30);
	vec[9] = course_runs;
	vec[10] = course_wins;
	vec[11] = cd_winner ? 1 : 0;
	if (band_n >= 2)
		vec[12] = (float4) (band_sum / band_n - sum / nruns);
	if (going_n >= 2)
		vec[13] = (float4) (going_sum / going_n - sum / nruns);

	/* recent form */
	if (last != NULL)
	{
		double		np = 0,
					bpf = 0;
		int			n = Min(nruns, 3),
					nbpf = 0;

		vec[2] = (float4) (race->day - last[HS_DAY]);
		vec[3] = last[HS_NORMPOS];
		for (i = 0; i < n; i++)
		{
			np += RUN(i, HS_NORMPOS);
			if (!isnan(RUN(i, HS_BEATEN_PF)))
			{
				bpf += RUN(i, HS_BEATEN_PF);
				nbpf++;
			}
			if (!isnan(RUN(i, HS_RPR)) &&
				(isnan(rpr_best3) || RUN(i, HS_RPR) > rpr_best3))
				rpr_best3 = RUN(i, HS_RPR);
		}
		vec[4] = (float4) (np / n);
		vec[5] = last[HS_BEATEN];
		if (nbpf > 0)
			vec[6] = (float4) (bpf / nbpf);
		vec[14] = race->dist_f - last[HS_DIST_F];
		vec[15] = last[HS_CLASS] - race->class_num;
		vec[18] = last[HS_RPR];
		vec[19] = rpr_best3;
		vec[24] = entry->lbs - last[HS_LBS];
		vec[38] = entry->hg_mask != (int) last[HS_HG] ? 1 : 0;
	}

	/* rpr trend: least-squares slope over the last four runs with an rpr */
	{
		double		sx = 0,
					sy = 0,
					sxx = 0,
					sxy = 0;
		int			n = 0;

		for (i = 0; i < Min(nruns, 4); i++)
		{
			double		x = -i;
			double		y = RUN(i, HS_RPR);

			if (isnan(y))
				continue;
			sx += x;
			sy += y;
			sxx += x * x;
			sxy += x * y;
			n++;
		}
		if (n >= 3 && n * sxx - sx * sx != 0)
			vec[20] = (float4) ((n * sxy - sx * sy) / (n * sxx - sx * sx));
	}

	/* ratings and weights of today */
	vec[16] = entry->official_rating;
	if (last != NULL)
		vec[17] = entry->official_rating - last[HS_OR];
	if (race->handicap)
		vec[21] = rpr_best3 - entry->official_rating;
	vec[22] = entry->lbs;
	vec[23] = entry->lbs - race->max_lbs;
	vec[25] = entry->official_rating - race->mean_or;
	vec[26] = entry->age;
	vec[27] = entry->age - race->mean_age;
	if (entry->sex != '\0')
		vec[28] = (entry->sex == 'F' || entry->sex == 'M') ? 1 : 0;

	/* draw */
	if (race->flat && !isnan(entry->draw) && race->max_draw > 1)
	{
		vec[29] = (entry->draw - 1) / (race->max_draw - 1);
		if (race->max_draw >= 3)
		{
			int			third;
			const double *d = aggs[HA_DRAW];

			if (entry->draw * 3 <= race->max_draw)
				third = 0;
			else if (entry->draw * 3 <= 2 * race->max_draw)
				third = 1;
			else
				third = 2;
			vec[30] = shrunk(d[1 + third], d[0], 10, 1.0 / 3) - 1.0f / 3;
		}
	}

	/* connections */
	if (entry->jockey_id != 0)
	{
		vec[31] = (float4) aggs[HA_JOCKEY_365][0];
		vec[32] = shrunk(aggs[HA_JOCKEY_365][1], aggs[HA_JOCKEY_365][0], 10, 0.10);
	}
	if (entry->trainer_id != 0)
	{
		vec[33] = (float4) aggs[HA_TRAINER_365][0];
		vec[34] = shrunk(aggs[HA_TRAINER_365][1], aggs[HA_TRAINER_365][0], 10, 0.10);
		if (aggs[HA_TRAINER_14][0] > 0)
			vec[35] = (float4) (aggs[HA_TRAINER_14][1] / aggs[HA_TRAINER_14][0]);
	}
	if (entry->jockey_id != 0 && entry->trainer_id != 0)
		vec[36] = shrunk(aggs[HA_JT_730][1], aggs[HA_JT_730][0], 10, 0.10);

	/* headgear, field, pedigree, today's race */
	vec[37] = entry->hg_first_time ? 1 : 0;
	vec[39] = race->starters;
	if (race->starters > 0)
		vec[40] = (float4) log(race->starters);
	if (entry->has_sire && race->going != 0)
		vec[41] = shrunk(aggs[HA_SIRE_GOING][1], aggs[HA_SIRE_GOING][0], 10, 0.10);
	if (entry->has_sire && !isnan(race->dist_f))
		vec[42] = shrunk(aggs[HA_SIRE_DIST][1], aggs[HA_SIRE_DIST][0], 10, 0.10);
	vec[43] = race->dist_f;
	vec[44] = race->handicap ? 1 : 0;
#undef RUN
}

/*
 * The NASCAR vector.  hist->starts holds DS_N floats per earlier start of
 * the driver in the same series, newest first.
 */
void
nascar_vector(const NascarRace *race, const NascarEntry *entry,
			  const NascarHistory *hist, float4 *vec)
{
	const float4 *s = hist->starts;
	int			n = hist->nstarts;
	int			i;
	int			k;
	double		sum,
				sum2;

#define ST(k, f) (s[(k) * DS_N + (f)])

	for (i = 0; i < NASCAR_NFEATURES; i++)
		vec[i] = NAN4;

	vec[0] = n;
	vec[1] = n < 18 ? 1 : 0;

	/* average finish: overall, at the track, at the track type */
	sum = 0;
	for (i = 0; i < Min(n, 18); i++)
		sum += ST(i, DS_FINISH);
	if (n > 0)
		vec[2] = (float4) (sum / Min(n, 18));
	{
		double		ft = 0,
					fy = 0,
					rt = 0,
					led = 0,
					laps = 0;
		int			nt = 0,
					ny = 0,
					nr = 0,
					ntrack = 0,
					nled = 0;

		for (i = 0; i < n; i++)
		{
			if (ST(i, DS_TRACK) == race->track_id)
			{
				ntrack++;
				if (nt < 8)
				{
					ft += ST(i, DS_FINISH);
					if (!isnan(ST(i, DS_RATING)))
					{
						rt += ST(i, DS_RATING);
						nr++;
					}
					led += ST(i, DS_LED);
					laps += ST(i, DS_RACE_LAPS);
					nled++;
					nt++;
				}
			}
			if (race->track_type != 0 && ST(i, DS_TTYPE) == race->track_type &&
				ny < 8)
			{
				fy += ST(i, DS_FINISH);
				ny++;
			}
		}
		if (nt > 0)
			vec[3] = (float4) (ft / nt);
		if (ny > 0)
			vec[4] = (float4) (fy / ny);
		if (nr > 0)
			vec[5] = (float4) (rt / nr);
		vec[6] = nr;
		vec[22] = ntrack;
		if (nled > 0 && laps > 0)
			vec[26] = (float4) (led / laps);
	}

	/* this season's rating, from four earlier races on */
	sum = 0;
	k = 0;
	for (i = 0; i < n && ST(i, DS_SEASON) == race->season; i++)
	{
		if (!isnan(ST(i, DS_RATING)))
		{
			sum += ST(i, DS_RATING);
			k++;
		}
	}
	if (k >= 4)
		vec[7] = (float4) (sum / k);

	/* starting position of today (pre-race once qualifying is done) */
	vec[8] = entry->start_pos;
	if (race->field_size > 0)
		vec[9] = entry->start_pos / race->field_size;

	/* last ten starts */
	sum = sum2 = 0;
	k = 0;
	{
		double		gain = 0,
					led = 0,
					laps = 0,
					stage = 0;
		int			ngain = 0,
					nll = 0,
					nlead = 0,
					nstage = 0;

		for (i = 0; i < Min(n, 10); i++)
		{
			double		f = ST(i, DS_FINISH);

			sum += f;
			sum2 += f * f;
			k++;
			if (!isnan(ST(i, DS_START)))
			{
				gain += ST(i, DS_START) - f;
				ngain++;
			}
			led += ST(i, DS_LED);
			laps += ST(i, DS_RACE_LAPS);
			if (ST(i, DS_CAT) != 3)
			{
				nll++;
				if (ST(i, DS_LAPS) >= ST(i, DS_RACE_LAPS))
					nlead++;
			}
			if (!isnan(ST(i, DS_S1)))
			{
				stage += ST(i, DS_S1);
				nstage++;
			}
			if (!isnan(ST(i, DS_S2)))
			{
				stage += ST(i, DS_S2);
				nstage++;
			}
		}
		if (ngain > 0)
			vec[10] = (float4) (gain / ngain);
		if (k > 0 && laps > 0)
			vec[14] = (float4) (led / laps);
		if (nll > 0)
			vec[15] = (float4) nlead / nll;
		if (nstage > 0)
			vec[18] = (float4) (stage / nstage);
		if (k >= 2)
			vec[19] = (float4) sqrt(Max(0, (sum2 - sum * sum / k) / (k - 1)));
	}

	/* rates over the last 36 starts */
	{
		double		w = 0,
					t5 = 0,
					t10 = 0,
					crash = 0,
					mech = 0;
		int			m = Min(n, 36);

		for (i = 0; i < m; i++)
		{
			double		f = ST(i, DS_FINISH);

			w += f == 1;
			t5 += f <= 5;
			t10 += f <= 10;
			crash += ST(i, DS_CAT) == 1;
			mech += ST(i, DS_CAT) == 2;
		}
		vec[11] = shrunk(w, m, 5, 1.0 / 40);
		vec[12] = shrunk(t5, m, 5, 5.0 / 40);
		vec[13] = shrunk(t10, m, 5, 10.0 / 40);
		if (m > 0)
		{
			vec[16] = (float4) (crash / m);
			vec[17] = (float4) (mech / m);
		}
	}

	vec[20] = hist->team_form;
	vec[21] = hist->make_type_form;
	vec[23] = hist->races_since_last;
	vec[24] = hist->pts_rank;
	if (n > 0 && entry->team_id != 0 && !isnan(ST(0, DS_TEAM)))
		vec[25] = ST(0, DS_TEAM) != (float4) entry->team_id ? 1 : 0;
	vec[27] = race->field_size;
#undef ST
}
