/**
 * The next slot of a cron expression in a time zone (Spring's `CronExpression.next` over a
 * `ZonedDateTime`, with luxon for the zone rules). Slots are local wall-clock times:
 *   - a time that does not exist (DST spring-forward gap) is skipped that day, as in Spring;
 *   - a time that occurs twice (DST fall-back overlap) fires once, at its first occurrence, when the
 *     expression names one time of day (`0 30 1 * * *`); interval expressions (`0 *\/15 * * * *`) keep
 *     firing through both passes, so real time has no hole (Vixie cron's rule).
 * Zones are IANA ids (`Europe/Amsterdam`, `UTC`) or fixed offsets as Java's `ZoneId.of` takes them (`Z`,
 * `+05:30`, `UTC+2`, `GMT-03:00`).
 */
import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';

import type { CalendarDay, CronSpec } from './cron-parse';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** How far ahead to look for a match (28 years covers every weekday/date combination, e.g. Feb 29 + MON). */
const HORIZON_DAYS = 366 * 29;

const OFFSET_ID = /^(?:(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?)$/;

/** The luxon zone for a Java-style zone id, or null when the id is unknown. */
export function zoneFor(id: string): Zone | null {
  if (typeof id !== 'string' || id.trim() === '' || id !== id.trim()) return null;
  if (id === 'Z' || id === 'UTC' || id === 'GMT' || id === 'UT') return FixedOffsetZone.utcInstance;
  const m = OFFSET_ID.exec(id);
  if (m) {
    const hours = Number(m[2]);
    const minutes = Number(m[3] ?? '0');
    if (hours > 18 || minutes > 59) return null;
    return FixedOffsetZone.instance((m[1] === '-' ? -1 : 1) * (hours * 60 + minutes));
  }
  return IANAZone.isValidZone(id) ? IANAZone.create(id) : null;
}

function offsetMs(zone: Zone, ts: number): number {
  return Math.round(zone.offset(ts) * 60_000);
}

/** First time of day (ms since local midnight, whole seconds) ≥ `fromMs` that the expression matches. */
function firstTimeOfDay(spec: CronSpec, fromMs: number): number {
  const from = Math.ceil(fromMs / 1000);
  const h0 = Math.floor(from / 3600);
  const m0 = Math.floor((from % 3600) / 60);
  const s0 = from % 60;
  for (let h = h0; h < 24; h++) {
    if (!spec.hours[h]) continue;
    for (let m = h === h0 ? m0 : 0; m < 60; m++) {
      if (!spec.minutes[m]) continue;
      for (let s = h === h0 && m === m0 ? s0 : 0; s < 60; s++) {
        if (spec.seconds[s]) return ((h * 60 + m) * 60 + s) * 1000;
      }
    }
  }
  return -1;
}

function dayMatches(spec: CronSpec, localMidnight: number): boolean {
  const date = new Date(localMidnight);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  if (!spec.months[month + 1]) return false;
  const day: CalendarDay = {
    day: date.getUTCDate(),
    dayOfWeek: date.getUTCDay() === 0 ? 7 : date.getUTCDay(),
    daysInMonth: new Date(Date.UTC(year, month + 1, 0)).getUTCDate(),
  };
  return spec.dayOfMonth(day) && spec.dayOfWeek(day);
}

/** Where the offset changes between instants a and b (offsets differ at the ends), to the millisecond. */
function transition(zone: Zone, a: number, b: number): number {
  const oa = offsetMs(zone, a);
  let lo = a;
  let hi = b;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === oa) lo = mid;
    else hi = mid;
  }
  return hi;
}

interface Segment {
  /** Local wall-clock range [from, to) in "local ms" (epoch ms as if the local time were UTC). */
  from: number;
  to: number;
  offset: number;
}

/** The local day cut where its offset changes, in instant order. */
function segments(zone: Zone, midnight: number): Segment[] {
  const end = midnight + DAY_MS;
  const a = midnight - 18 * HOUR_MS;
  const b = end + 18 * HOUR_MS;
  const oa = offsetMs(zone, a);
  const ob = offsetMs(zone, b);
  if (oa === ob) return [{ from: midnight, to: end, offset: oa }];
  const t = transition(zone, a, b);
  return [
    { from: midnight, to: Math.min(end, t + oa), offset: oa },
    { from: Math.max(midnight, t + ob), to: end, offset: ob },
  ];
}

/**
 * The first slot strictly after `afterMs` (epoch ms), or null when the expression never matches again
 * (e.g. `0 0 0 30 2 *`).
 */
export function nextSlot(spec: CronSpec, zone: Zone, afterMs: number): number | null {
  const start = Math.floor(afterMs / 1000) * 1000 + 1000;
  const startLocal = start + offsetMs(zone, start);
  let midnight = Math.floor(startLocal / DAY_MS) * DAY_MS - DAY_MS;
  for (let i = 0; i < HORIZON_DAYS; i++, midnight += DAY_MS) {
    const date = new Date(midnight);
    if (!spec.months[date.getUTCMonth() + 1]) {
      // Jump to the day before the 1st of the next month (the loop adds a day).
      midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - DAY_MS;
      continue;
    }
    if (!dayMatches(spec, midnight)) continue;
    const parts = segments(zone, midnight);
    let seen = -Infinity;
    for (const seg of parts) {
      let from = Math.max(seg.from, start + seg.offset);
      // The second pass through a repeated hour: a fixed-time slot already had its turn.
      if (spec.fixedTime) from = Math.max(from, seen);
      seen = Math.max(seen, seg.to);
      if (from >= seg.to) continue;
      const tod = firstTimeOfDay(spec, from - midnight);
      if (tod === -1) continue;
      const local = midnight + tod;
      if (local < seg.to) return local - seg.offset;
    }
  }
  return null;
}

/** The next `limit` slots after `afterMs`, each within [startMs, endMs] when those are given. */
export function nextSlots(
  spec: CronSpec,
  zone: Zone,
  afterMs: number,
  limit: number,
  bounds: { start?: number; end?: number } = {},
): number[] {
  const out: number[] = [];
  let cursor = bounds.start !== undefined && bounds.start - 1 > afterMs ? bounds.start - 1 : afterMs;
  while (out.length < limit) {
    const next = nextSlot(spec, zone, cursor);
    if (next === null || (bounds.end !== undefined && next > bounds.end)) break;
    out.push(next);
    cursor = next;
  }
  return out;
}
