/**
 * Differential check of the plain cron fields (values, ranges, lists, steps, names) against cron-parser,
 * a widely used implementation, on expressions where Spring and Vixie cron agree: at most one of
 * day-of-month / day-of-week restricted, no day-of-week steps. Zones with DST included.
 */
import { CronExpressionParser } from 'cron-parser';

import { parseCron } from '../../../src/engine/scheduler/cron-parse';
import { nextSlots, zoneFor } from '../../../src/engine/scheduler/cron-next';

/** A small deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function fieldText(r: () => number, min: number, max: number, names?: string[]): string {
  const pick = (): number => min + Math.floor(r() * (max - min + 1));
  const name = (v: number): string => (names && r() < 0.3 ? (names[v - min] as string) : String(v));
  const kind = r();
  if (kind < 0.3) return '*';
  if (kind < 0.5) return name(pick());
  if (kind < 0.65) {
    const a = pick();
    const b = a + Math.floor(r() * (max - a + 1));
    return `${name(a)}-${name(b)}`;
  }
  if (kind < 0.8) return `*/${1 + Math.floor(r() * Math.max(1, (max - min) / 2))}`;
  if (kind < 0.9) return `${pick()}/${1 + Math.floor(r() * 10)}`;
  return Array.from(new Set([pick(), pick(), pick()]))
    .sort((x, y) => x - y)
    .join(',');
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

it('agrees with cron-parser on 400 random plain expressions in UTC and DST zones', () => {
  const r = rng(20260901);
  const zones = ['UTC', 'Europe/Amsterdam', 'America/New_York', 'Australia/Sydney'];
  let compared = 0;
  for (let i = 0; i < 400; i++) {
    const sec = fieldText(r, 0, 59);
    const min = fieldText(r, 0, 59);
    // Hours 1-23 minus the DST switch hours, where the two libraries' gap rules differ.
    const hour = r() < 0.5 ? '*' : String(4 + Math.floor(r() * 19));
    const restrictDom = r() < 0.5;
    const dom = restrictDom ? fieldText(r, 1, 28) : '*';
    const month = fieldText(r, 1, 12, MONTHS);
    const dow = restrictDom ? '?' : r() < 0.5 ? '*' : String(Math.floor(r() * 8));
    const expr = `${sec} ${min} ${hour} ${dom} ${month} ${dow}`;
    const zone = zones[i % zones.length] as string;
    const after = Date.UTC(2024, 0, 1) + Math.floor(r() * 3 * 365 * 86_400_000);
    const ours = nextSlots(parseCron(expr), zoneFor(zone)!, after, 5);
    const it = CronExpressionParser.parse(expr.replace('?', '*'), { currentDate: new Date(after), tz: zone });
    const theirs = Array.from({ length: ours.length }, () => it.next().getTime());
    expect({ expr, zone, slots: ours }).toEqual({ expr, zone, slots: theirs });
    compared += ours.length;
  }
  expect(compared).toBeGreaterThan(1000);
});
