#!/usr/bin/env python3
#
# gen_history.py
#	  Synthetic horse racing history in rpscrape's CSV format, drawn from
#	  the distributions of the real shared file (courses, race types,
#	  classes, distances, going, field sizes, weights, headgear, ratings,
#	  sires), for benchmarks of the load path and of feature maintenance.
#
# Usage: gen_history.py REAL_RPSCRAPE_CSV OUT_CSV [RUNNERS] [SEED] [stationary]
#	RUNNERS defaults to 1,000,000.  Races are written in date order, 8
#	to 10 meetings a day; horses, jockeys and trainers come from pools
#	sized so that careers look like real ones (a horse runs every few
#	weeks, a jockey rides most days).  Deterministic for a given SEED.
#
#	With "stationary", the horses in training are a window of 12,000
#	that slides on every day (new horses come in, old ones retire after
#	about 12 runs), and the jockey and trainer pools have a fixed size
#	whatever RUNNERS is: a race day late in the history then looks like
#	one early on (the same career lengths for horses, longer ones for
#	jockeys and trainers), and only the size of the history differs.
#	test/bench/features_scaling.sh uses it.
#
import csv
import random
import sys
import datetime


def main():
    real, out = sys.argv[1], sys.argv[2]
    target = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    stationary = len(sys.argv) > 5 and sys.argv[5] == 'stationary'

    with open(real, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0].keys())

    # race-level templates: one per real race, rows of runner columns
    races = {}
    for r in rows:
        races.setdefault((r['date'], r['course'], r['off']), []).append(r)
    templates = list(races.values())
    offs = sorted({r['off'] for r in rows})
    courses = sorted({r['course'] for r in rows})
    sires = [r['sire'] for r in rows if r['sire']]
    dams = [r['dam'] for r in rows if r['dam']]
    damsires = [r['damsire'] for r in rows if r['damsire']]

    n_horses = max(2000, target // 12)
    n_jockeys = max(50, target // 2500)
    n_trainers = max(50, target // 1500)
    window = 0
    if stationary:
        # about 700 runners a day: a horse is in the window for about
        # 12 * 12000 / 700 days and runs about 12 times
        window = n_horses = 12000
        n_jockeys, n_trainers = 400, 700
    horses = ['Synth Horse %06d' % i for i in range(n_horses)]
    horse_sire = [rng.choice(sires) for _ in range(n_horses)]
    horse_age = [rng.randint(2, 9) for _ in range(n_horses)]
    horse_sex = [rng.choice('GGGFMCH') for _ in range(n_horses)]
    base = 0
    jockeys = ['Synth Jockey %04d' % i for i in range(n_jockeys)]
    trainers = ['Synth Trainer %04d' % i for i in range(n_trainers)]

    day = datetime.date(2000, 1, 1)
    written = 0
    with open(out, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        while written < target:
            used = set()
            meetings = rng.sample(courses, rng.randint(8, 10))
            for meeting, tpl_course in enumerate(meetings):
                for k in range(rng.randint(6, 8)):
                    tpl = rng.choice(templates)
                    ran = len(tpl)
                    off = offs[(meeting * 7 + k) % len(offs)]
                    order = list(range(ran))
                    rng.shuffle(order)
                    for pos, src in enumerate(tpl):
                        while True:
                            h = base + rng.randrange(n_horses)
                            if h not in used:
                                used.add(h)
                                break
                        r = dict(src)
                        r['date'] = day.isoformat()
                        r['course'] = tpl_course
                        r['off'] = off
                        r['ran'] = str(ran)
                        r['num'] = str(order[pos] + 1)
                        if h >= len(horses):
                            # a new horse comes into training
                            while len(horses) <= h:
                                horses.append('Synth Horse %06d' % len(horses))
                                horse_sire.append(rng.choice(sires))
                                horse_age.append(rng.randint(2, 4))
                                horse_sex.append(rng.choice('GGGFMCH'))
                        r['horse'] = horses[h]
                        r['age'] = str(horse_age[h])
                        r['sex'] = horse_sex[h]
                        r['sire'] = horse_sire[h]
                        r['dam'] = rng.choice(dams)
                        r['damsire'] = rng.choice(damsires)
                        # a few busy jockeys and stables, many quiet ones
                        r['jockey'] = jockeys[int(n_jockeys * rng.random() ** 2)]
                        r['trainer'] = trainers[int(n_trainers * rng.random() ** 2)]
                        r['owner'] = 'Owner %04d' % rng.randrange(5000)
                        w.writerow([r[c] for c in header])
                        written += 1
            day += datetime.timedelta(days=1)
            if window:
                base += 58
            if day.month == 1 and day.day == 1:
                horse_age = [min(a + 1, 14) for a in horse_age]
    print('%d runners, %s to %s' % (written, '2000-01-01', day.isoformat()))


if __name__ == '__main__':
    main()
