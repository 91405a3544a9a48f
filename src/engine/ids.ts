/**
 * Ids of workflows, tasks, executions and messages. New ids are time-ordered UUIDs (RFC 9562 version 7: the
 * creation time in ms, then random bits), as Conductor's `conductor.id.generator=time_based` gives
 * time-based ones: every table is keyed or indexed by these ids, and ids that grow with time are appended at
 * the end of each B-tree instead of landing on a random page, so a busy engine writes a few pages per commit
 * rather than one per index per row. The random bits (74) keep ids unguessable and collision-free.
 */
import { createHash, randomFillSync } from 'node:crypto';

/** Random bytes drawn in blocks (one syscall per 256 ids). */
const pool = Buffer.alloc(16 * 256);
let poolAt = pool.length;

function format(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Writes `version` and the RFC 4122 variant into a 16-byte UUID buffer. */
function stamp(b: Buffer, version: number): Buffer {
  b[6] = ((b[6] as number) & 0x0f) | (version << 4);
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  return b;
}

/** A new UUIDv7 (time-ordered, random). */
export function newId(now: number = Date.now()): string {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const b = Buffer.from(pool.subarray(poolAt, poolAt + 16));
  poolAt += 16;
  b.writeUIntBE(Math.max(0, Math.floor(now)), 0, 6);
  return format(stamp(b, 7));
}

/** Java's `UUID.nameUUIDFromBytes` (an MD5, version 3 UUID), as Conductor uses for child workflow ids. */
export function nameUuid(source: string): string {
  return format(stamp(nameDigest(source), 3));
}

/** The MD5 digest of `source`, for `timedNameUuid` (worth keeping when the same source recurs). */
export function nameDigest(source: string): Buffer {
  return createHash('md5').update(source, 'utf8').digest();
}

/**
 * A deterministic, time-ordered id for what `source` names at `time` (a schedule's cron at one slot): `time`
 * in ms as in UUIDv7, then 74 bits of the MD5 of `source` (`digest`, from `nameDigest`); version 8, "custom",
 * since those bits are not random. The same source and time always give the same id, different sources at
 * the same time differ in the digest bits, and ids of one instant sort together.
 */
export function timedNameUuid(time: number, digest: Buffer): string {
  const b = Buffer.from(digest);
  b.writeUIntBE(Math.max(0, Math.floor(time)), 0, 6);
  return format(stamp(b, 8));
}

/** What every `timedNameUuid` of `time` starts with (and no other id of another time). */
export function timedIdPrefix(time: number): string {
  const b = Buffer.alloc(6);
  b.writeUIntBE(Math.max(0, Math.floor(time)), 0, 6);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-`;
}

export function subWorkflowId(parentWorkflowId: string, taskId: string, retryCount: number): string {
  return nameUuid(`subworkflow:${parentWorkflowId}:${taskId}:${retryCount}`);
}
