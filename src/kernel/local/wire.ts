/**
 * The Jupyter wire format over ZeroMQ: `[...identities, <IDS|MSG>, signature, header, parent_header,
 * metadata, content, ...buffers]`, signed with HMAC-SHA256 over the four JSON frames.
 */
import { createHmac, createSecretKey, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';

import { isPlainObject, parseJsonExact, type JsonObject } from '../../json';
import type { Channel, JupyterMessage, MessageHeader } from '../messages';

export const DELIMITER = '<IDS|MSG>';
export const PROTOCOL_VERSION = '5.3';
const DELIMITER_BYTES = Buffer.from(DELIMITER);

export class Signer {
  /** A KeyObject made once: an HMAC from it is a third cheaper than from raw key bytes (every message). */
  private readonly key: KeyObject | null;

  constructor(key: string) {
    // An empty key means "unsigned" in the protocol.
    this.key = key === '' ? null : createSecretKey(Buffer.from(key, 'utf8'));
  }

  sign(parts: readonly Buffer[]): string {
    if (this.key === null) return '';
    const hmac = createHmac('sha256', this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  }

  verify(signature: Buffer, parts: readonly Buffer[]): boolean {
    const expected = Buffer.from(this.sign(parts), 'utf8');
    return expected.length === signature.length && timingSafeEqual(expected, signature);
  }
}

/** The client half of a session: one session id on every message we send. */
export class MessageFactory {
  readonly session: string = randomUUID();

  constructor(private readonly username = 'nbconductor') {}

  header(msgType: string): MessageHeader {
    return {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: this.session,
      username: this.username,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    };
  }

  create<C>(channel: Channel, msgType: string, content: C): JupyterMessage<C> {
    return { channel, header: this.header(msgType), parent_header: {}, metadata: {}, content };
  }
}

export function encodeMessage(msg: JupyterMessage<unknown>, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) =>
    Buffer.from(JSON.stringify(p), 'utf8'),
  );
  const buffers = (msg.buffers ?? []).map((b) => Buffer.from(b));
  return [DELIMITER_BYTES, Buffer.from(signer.sign(parts), 'utf8'), ...parts, ...buffers];
}

export type DecodeResult = { ok: true; message: JupyterMessage } | { ok: false; reason: string };

const EMPTY_OBJECT = Buffer.from('{}');

/**
 * One JSON-object frame. `exact` keeps integers beyond 2^53 exact (a glued 2**64 in content); headers and
 * message metadata hold no such values we use, and take plain JSON.parse (no scan for long digit runs).
 */
function parseJson(frame: Buffer, name: string, exact: boolean): JsonObject {
  if (frame.equals(EMPTY_OBJECT)) return {};
  const text = frame.toString('utf8');
  const value: unknown = exact ? parseJsonExact(text) : JSON.parse(text);
  if (!isPlainObject(value)) throw new Error(`${name} is not a JSON object`);
  return value as JsonObject;
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(b.byteLength);
  new Uint8Array(copy).set(b);
  return copy;
}

/** Decode frames received on `channel`; anything malformed or wrongly signed is reported, not thrown. */
export function decodeMessage(frames: readonly Buffer[], channel: Channel, signer: Signer): DecodeResult {
  let at = 0;
  while (at < frames.length && !(frames[at] as Buffer).equals(DELIMITER_BYTES)) at++;
  if (at === frames.length) return { ok: false, reason: 'no <IDS|MSG> delimiter' };
  const signature = frames[at + 1];
  const parts = frames.slice(at + 2, at + 6);
  if (signature === undefined || parts.length < 4)
    return { ok: false, reason: `too few frames (${frames.length})` };
  if (!signer.verify(signature, parts)) return { ok: false, reason: 'bad HMAC signature' };
  try {
    const [header, parent, metadata, content] = parts as [Buffer, Buffer, Buffer, Buffer];
    const h = parseJson(header, 'header', false);
    if (typeof h.msg_id !== 'string' || typeof h.msg_type !== 'string') {
      return { ok: false, reason: 'header without msg_id/msg_type' };
    }
    const message: JupyterMessage = {
      channel,
      header: h as unknown as MessageHeader,
      parent_header: parseJson(parent, 'parent_header', false) as Partial<MessageHeader>,
      metadata: parseJson(metadata, 'metadata', false),
      content: parseJson(content, 'content', true),
    };
    if (frames.length > at + 6) message.buffers = frames.slice(at + 6).map(toArrayBuffer);
    return { ok: true, message };
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
