/** The Jupyter wire format: framing, HMAC signing and verification, as the kernel sees it. */
import { createHmac } from 'node:crypto';

import { DELIMITER, decodeMessage, encodeMessage, MessageFactory, Signer } from '../../src/kernel/local/wire';

const KEY = 'a0436f6c-1916-498b-8eb9-e81ab9368e84';

function frames(): { factory: MessageFactory; encoded: Buffer[] } {
  const factory = new MessageFactory();
  const msg = factory.create('shell', 'execute_request', { code: 'print("é ✓")', silent: false });
  return { factory, encoded: encodeMessage(msg, new Signer(KEY)) };
}

describe('wire format', () => {
  test('frames are delimiter, hex HMAC-SHA256 over the four JSON parts, then the parts', () => {
    const { factory, encoded } = frames();
    expect(encoded).toHaveLength(6);
    expect(encoded[0]?.toString()).toBe(DELIMITER);
    const hmac = createHmac('sha256', KEY);
    for (const part of encoded.slice(2)) hmac.update(part);
    expect(encoded[1]?.toString()).toBe(hmac.digest('hex'));
    const header = JSON.parse(encoded[2]?.toString() ?? '') as Record<string, unknown>;
    expect(header).toMatchObject({
      msg_type: 'execute_request',
      version: '5.3',
      session: factory.session,
      username: 'nbconductor',
    });
    expect(JSON.parse(encoded[5]?.toString() ?? '')).toEqual({ code: 'print("é ✓")', silent: false });
  });

  test('one session id for every message of a client, a new msg_id each time', () => {
    const factory = new MessageFactory();
    const a = factory.header('kernel_info_request');
    const b = factory.header('execute_request');
    expect(a.session).toBe(b.session);
    expect(a.msg_id).not.toBe(b.msg_id);
    expect(new MessageFactory().session).not.toBe(a.session);
  });

  test('decoding skips routing identities / topics before the delimiter and keeps buffers', () => {
    const { encoded } = frames();
    const withPrefix = [Buffer.from('kernel.abc.execute_request'), ...encoded, Buffer.from([1, 2, 3])];
    const decoded = decodeMessage(withPrefix, 'iopub', new Signer(KEY));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.message.channel).toBe('iopub');
    expect(decoded.message.header.msg_type).toBe('execute_request');
    expect(decoded.message.content.code).toBe('print("é ✓")');
    expect(decoded.message.buffers?.map((b) => [...new Uint8Array(b)])).toEqual([[1, 2, 3]]);
  });

  test('a tampered message or a wrong key is rejected', () => {
    const { encoded } = frames();
    const tampered = [...encoded];
    tampered[5] = Buffer.from(JSON.stringify({ code: 'print("tampered")' }));
    expect(decodeMessage(tampered, 'shell', new Signer(KEY))).toEqual({
      ok: false,
      reason: 'bad HMAC signature',
    });
    expect(decodeMessage(encoded, 'shell', new Signer('other-key'))).toEqual({
      ok: false,
      reason: 'bad HMAC signature',
    });
  });

  test('malformed frame sets are reported, not thrown', () => {
    const signer = new Signer(KEY);
    expect(decodeMessage([Buffer.from('x')], 'shell', signer)).toMatchObject({
      ok: false,
      reason: 'no <IDS|MSG> delimiter',
    });
    expect(decodeMessage([Buffer.from(DELIMITER), Buffer.from('sig')], 'shell', signer)).toMatchObject({
      ok: false,
    });
    const parts = ['not json', '{}', '{}', '{}'].map((p) => Buffer.from(p));
    const sig = Buffer.from(signer.sign(parts));
    const bad = decodeMessage([Buffer.from(DELIMITER), sig, ...parts], 'shell', signer);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toContain('invalid JSON');
  });

  test('an empty key means unsigned messages', () => {
    const factory = new MessageFactory();
    const encoded = encodeMessage(factory.create('shell', 'kernel_info_request', {}), new Signer(''));
    expect(encoded[1]?.toString()).toBe('');
    expect(decodeMessage(encoded, 'shell', new Signer('')).ok).toBe(true);
  });
});
