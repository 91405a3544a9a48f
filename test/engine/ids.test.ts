/**
 * Engine ids: new ones are RFC 9562 version 7 UUIDs (creation time first, so they sort by creation and
 * B-tree inserts append); a schedule slot's workflow id is deterministic, sorts by slot time and differs
 * between schedules; child workflow ids stay Java's name-based UUIDs, as Conductor makes them.
 */
import { nameDigest, nameUuid, newId, timedNameUuid } from '../../src/engine/ids';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function version(id: string): string | undefined {
  return UUID.exec(id)?.[1];
}

it('new ids are version 7 UUIDs carrying their creation time, unique and in creation order', () => {
  const t = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const ids = [newId(t), newId(t + 1), newId(t + 1000), newId(t + 86_400_000)];
  for (const id of ids) expect(version(id)).toBe('7');
  expect([...ids].sort()).toEqual(ids);
  expect(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
  const many = new Set(Array.from({ length: 5000 }, () => newId(t)));
  expect(many.size).toBe(5000);
});

it('a slot id is the same for the same source and time, sorts by time and differs by source', () => {
  const a = nameDigest('scheduler:daily:0');
  const b = nameDigest('scheduler:hourly:0');
  const slot = Date.UTC(2026, 5, 1, 6);
  expect(timedNameUuid(slot, a)).toBe(timedNameUuid(slot, nameDigest('scheduler:daily:0')));
  expect(timedNameUuid(slot, a)).not.toBe(timedNameUuid(slot, b));
  expect(timedNameUuid(slot, a)).not.toBe(timedNameUuid(slot + 1000, a));
  expect(version(timedNameUuid(slot, a))).toBe('8');
  expect(timedNameUuid(slot, b) < timedNameUuid(slot + 1000, a)).toBe(true);
  // The digest buffer is not changed by making ids from it.
  expect(a.equals(nameDigest('scheduler:daily:0'))).toBe(true);
});

it('name-based ids are Java UUID.nameUUIDFromBytes', () => {
  // UUID.nameUUIDFromBytes("abc".getBytes(UTF_8)) in Java.
  expect(nameUuid('abc')).toBe('90015098-3cd2-3fb0-9696-3f7d28e17f72');
});
