/**
 * The transform worker's logic in plain Node (web streams + WebCrypto): fail-closed sending,
 * per-participant KID binding, receive states, payload-type fallback, close, and that nothing
 * posted back to the main thread carries key or frame bytes. The real-browser proof is in
 * test/browser/transform.test.mjs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAILING_AFTER, TransformWorker, type EncodedFrameLike } from '../../../src/media/transform/worker-core.js';
import { TRANSFORM_PROTOCOL_VERSION, isToWorker, type FromWorker, type TransformOptions } from '../../../src/media/transform/protocol.js';

const KEY_A = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const KEY_B = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);

function frame(bytes: Uint8Array, meta: { mimeType?: string; payloadType?: number } = { mimeType: 'video/VP9' }, type = 'delta'): EncodedFrameLike {
  return { data: bytes.slice().buffer, type, getMetadata: () => meta };
}

function opts(id: number, role: 'sender' | 'receiver', participantId = ''): TransformOptions {
  return { sealrtc: TRANSFORM_PROTOCOL_VERSION, id, role, participantId };
}

/** Pipes `frames` through one transform of `w`; resolves with what came out. */
async function run(w: TransformWorker, o: TransformOptions, frames: EncodedFrameLike[]): Promise<EncodedFrameLike[]> {
  const out: EncodedFrameLike[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const readable = new ReadableStream<unknown>({
    start(c) {
      for (const f of frames) c.enqueue(f);
      c.close();
    },
  });
  const writable = new WritableStream<unknown>({ write: (f) => void out.push(f as EncodedFrameLike), close: () => done() });
  w.attach(o, readable, writable);
  await finished;
  return out;
}

async function makeWorker(): Promise<{ w: TransformWorker; posted: FromWorker[] }> {
  const posted: FromWorker[] = [];
  const w = new TransformWorker((m) => posted.push(m));
  w.handle({ kind: 'init', suite: undefined });
  await w.settled();
  return { w, posted };
}

const bytes = (f: EncodedFrameLike): Uint8Array => new Uint8Array(f.data);

function stats(w: TransformWorker, posted: FromWorker[]) {
  w.handle({ kind: 'get-stats', requestId: 99 });
  const m = posted.at(-1);
  if (m?.kind !== 'stats') throw new Error('no stats');
  return new Map(m.stats.map((s) => [s.participantId, s]));
}

describe('TransformWorker', () => {
  it('answers init with its protocol version; refuses an unknown suite and keys before init', async () => {
    const { posted } = await makeWorker();
    expect(posted).toEqual([{ kind: 'ready', version: TRANSFORM_PROTOCOL_VERSION }]);
    const bad: FromWorker[] = [];
    const w = new TransformWorker((m) => bad.push(m));
    const early = KEY_A.slice();
    w.handle({ kind: 'set-send-key', kid: 1n, baseKey: early });
    w.handle({ kind: 'init', suite: 0x7777 });
    await w.settled();
    expect(bad.map((m) => m.kind === 'error' && m.code)).toEqual(['invalid-argument']);
    expect(early.every((b) => b === 0)).toBe(true);
  });

  it('a new init (a reused app worker) forgets everything and drops transforms of the old controller', async () => {
    const { w, posted } = await makeWorker();
    w.handle({ kind: 'set-send-key', kid: 1n, baseKey: KEY_A.slice() });
    await w.settled();
    let input!: ReadableStreamDefaultController<unknown>;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const out: EncodedFrameLike[] = [];
    w.attach(
      opts(1, 'sender'),
      new ReadableStream({ start: (c) => void (input = c) }),
      new WritableStream({ write: (x) => void out.push(x as EncodedFrameLike), close: () => done() }),
    );
    w.handle({ kind: 'close' });
    w.handle({ kind: 'init', suite: undefined });
    w.handle({ kind: 'set-send-key', kid: 2n, baseKey: KEY_A.slice() });
    await w.settled();
    expect(posted.filter((m) => m.kind === 'ready')).toHaveLength(2);
    input.enqueue(frame(new Uint8Array(10)));
    input.close();
    await finished;
    expect(out).toEqual([]); // the stale sender's frame is dropped although a send key exists
    expect(await run(w, opts(2, 'sender'), [frame(new Uint8Array(10))])).toHaveLength(1);
    expect(stats(w, posted).get('')?.kids).toEqual([2n]);
  });

  it('drops outgoing frames until a send key exists, then seals them so only the keyed receiver opens them', async () => {
    const tx = await makeWorker();
    const clear = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    expect(await run(tx.w, opts(1, 'sender'), [frame(clear), frame(clear)])).toEqual([]);
    expect(stats(tx.w, tx.posted).get('')).toMatchObject({ framesDropped: 2, framesEncrypted: 0 });

    tx.w.handle({ kind: 'set-send-key', kid: 5n, baseKey: KEY_A.slice() });
    await tx.w.settled();
    const sealed = await run(tx.w, opts(2, 'sender'), [frame(clear, undefined, 'key'), frame(clear)]);
    expect(sealed).toHaveLength(2);
    expect(bytes(sealed[0]!)).not.toEqual(clear);
    expect(bytes(sealed[0]!)).not.toEqual(bytes(sealed[1]!)); // fresh counter per frame

    const rx = await makeWorker();
    rx.w.handle({ kind: 'add-receive-key', participantId: 'alice', kid: 5n, baseKey: KEY_A.slice() });
    await rx.w.settled();
    const opened = await run(rx.w, opts(3, 'receiver', 'alice'), sealed.map((f) => frame(bytes(f))));
    expect(opened.map(bytes)).toEqual([clear, clear]);
    const st = stats(rx.w, rx.posted).get('alice');
    expect(st).toMatchObject({ framesDecrypted: 2, framesFailed: 0, lastKid: 5n, kids: [5n], videoFrames: 2 });
    expect(st?.medianFrameUs).toBeGreaterThan(0);
    expect(stats(tx.w, tx.posted).get('')?.medianFrameUs).toBeGreaterThan(0);
    expect(rx.posted).toContainEqual({ kind: 'receive-state', participantId: 'alice', state: 'decrypting' });
  });

  it("drops frames under another participant's KID, under a wrong key, and replays; reports 'failing'", async () => {
    const tx = await makeWorker();
    tx.w.handle({ kind: 'set-send-key', kid: 7n, baseKey: KEY_A.slice() });
    await tx.w.settled();
    const clear = new Uint8Array(64).fill(9);
    const sealed = (await run(tx.w, opts(1, 'sender'), Array.from({ length: FAILING_AFTER }, () => frame(clear)))).map(bytes);

    const rx = await makeWorker();
    rx.w.handle({ kind: 'add-receive-key', participantId: 'bob', kid: 7n, baseKey: KEY_A.slice() });
    await rx.w.settled();
    // alice's receiver must not accept bob's KID, although the key is right.
    expect(await run(rx.w, opts(2, 'receiver', 'alice'), sealed.map((b) => frame(b)))).toEqual([]);
    expect(stats(rx.w, rx.posted).get('alice')).toMatchObject({ framesFailed: FAILING_AFTER, framesDecrypted: 0 });
    expect(rx.posted).toContainEqual({ kind: 'receive-state', participantId: 'alice', state: 'failing' });
    // bob's receiver accepts them once; a replay of the same frames is dropped.
    expect(await run(rx.w, opts(3, 'receiver', 'bob'), sealed.map((b) => frame(b)))).toHaveLength(FAILING_AFTER);
    expect(await run(rx.w, opts(4, 'receiver', 'bob'), sealed.slice(0, 3).map((b) => frame(b)))).toEqual([]);
    // a wrong key under the right KID fails authentication.
    const wrong = await makeWorker();
    wrong.w.handle({ kind: 'add-receive-key', participantId: 'bob', kid: 7n, baseKey: KEY_B.slice() });
    await wrong.w.settled();
    expect(await run(wrong.w, opts(5, 'receiver', 'bob'), sealed.map((b) => frame(b)))).toEqual([]);
    // tampering with any byte of a sealed frame makes it fail.
    const tampered = sealed[0]!.slice();
    tampered[tampered.length - 1]! ^= 1;
    const fresh = await makeWorker();
    fresh.w.handle({ kind: 'add-receive-key', participantId: 'bob', kid: 7n, baseKey: KEY_A.slice() });
    await fresh.w.settled();
    expect(await run(fresh.w, opts(6, 'receiver', 'bob'), [frame(tampered)])).toEqual([]);
  });

  it('refuses to give one KID to two participants (kid-conflict), even when both arrive at once', async () => {
    const rx = await makeWorker();
    rx.w.handle({ kind: 'add-receive-key', participantId: 'bob', kid: 3n, baseKey: KEY_A.slice() });
    const second = KEY_B.slice();
    rx.w.handle({ kind: 'add-receive-key', participantId: 'carol', kid: 3n, baseKey: second });
    await rx.w.settled();
    expect(rx.posted.filter((m) => m.kind === 'error').map((m) => m.kind === 'error' && m.code)).toEqual(['kid-conflict']);
    expect(second.every((b) => b === 0)).toBe(true); // the refused copy is zeroed too
    expect(stats(rx.w, rx.posted).get('bob')?.kids).toEqual([3n]);
  });

  it('zeroes the key copies it receives after importing them', async () => {
    const { w } = await makeWorker();
    const copy = KEY_A.slice();
    w.handle({ kind: 'set-send-key', kid: 1n, baseKey: copy });
    await w.settled();
    expect(copy.every((b) => b === 0)).toBe(true);
  });

  it('stops sealing when the send key is removed, and after close drops everything', async () => {
    const { w, posted } = await makeWorker();
    w.handle({ kind: 'set-send-key', kid: 1n, baseKey: KEY_A.slice() });
    await w.settled();
    expect(await run(w, opts(1, 'sender'), [frame(new Uint8Array(10))])).toHaveLength(1);
    w.handle({ kind: 'remove-key', kid: 1n });
    await w.settled();
    expect(await run(w, opts(2, 'sender'), [frame(new Uint8Array(10))])).toEqual([]);
    w.handle({ kind: 'set-send-key', kid: 2n, baseKey: KEY_A.slice() });
    w.handle({ kind: 'close' });
    await w.settled();
    expect(posted.at(-1)).toEqual({ kind: 'closed' });
    expect(await run(w, opts(3, 'sender'), [frame(new Uint8Array(10))])).toEqual([]);
    expect(stats(w, posted).get('')?.kids).toEqual([]);
  });

  it('falls back to the negotiated payload type when frames carry no MIME type', async () => {
    const { w, posted } = await makeWorker();
    w.handle({ kind: 'set-send-key', kid: 1n, baseKey: KEY_A.slice() });
    await w.settled();
    const f = () => frame(new Uint8Array(20).fill(1), { payloadType: 98 });
    const out: EncodedFrameLike[] = [];
    let input!: ReadableStreamDefaultController<unknown>;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const readable = new ReadableStream<unknown>({ start: (c) => void (input = c) });
    w.attach(opts(4, 'sender'), readable, new WritableStream({ write: (x) => void out.push(x as EncodedFrameLike), close: () => done() }));
    input.enqueue(f());
    const asked = async () => {
      for (let i = 0; i < 50 && !posted.some((m) => m.kind === 'need-codecs'); i++) await new Promise((r) => setTimeout(r, 1));
    };
    await asked();
    expect(posted).toContainEqual({ kind: 'need-codecs', id: 4 });
    w.handle({ kind: 'codecs', id: 4, codecs: [{ payloadType: 98, mimeType: 'video/VP9' }, { payloadType: 99, mimeType: 'video/rtx' }] });
    input.enqueue(f());
    input.enqueue(frame(new Uint8Array(20), { payloadType: 99 })); // rtx: no framing known → dropped
    input.close();
    await finished;
    expect(out).toHaveLength(1);
    expect(stats(w, posted).get('')).toMatchObject({ framesEncrypted: 1, framesDropped: 2 });
    expect(posted.filter((m) => m.kind === 'need-codecs')).toHaveLength(1);
  });

  it('never posts key or frame bytes back to the main thread (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 16, maxLength: 48 }),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 6 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        async (key, frames, kid) => {
          const { w, posted } = await makeWorker();
          w.handle({ kind: 'set-send-key', kid, baseKey: key.slice() });
          w.handle({ kind: 'add-receive-key', participantId: 'p', kid, baseKey: key.slice() });
          await w.settled();
          const sealed = await run(w, opts(1, 'sender'), frames.map((b) => frame(b)));
          await run(w, opts(2, 'receiver', 'p'), sealed.map((f) => frame(bytes(f))));
          await run(w, opts(3, 'receiver', 'q'), sealed.map((f) => frame(bytes(f))));
          stats(w, posted);
          w.handle({ kind: 'close' });
          await w.settled();
          const json = JSON.stringify(posted, (_k, v: unknown) => {
            if (v instanceof Uint8Array || v instanceof ArrayBuffer) throw new Error('bytes posted to the main thread');
            return typeof v === 'bigint' ? v.toString() : v;
          });
          expect(json.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('worker protocol guards', () => {
  it('accepts only known kinds', () => {
    expect(isToWorker({ kind: 'close' })).toBe(true);
    expect(isToWorker({ kind: 'eval' })).toBe(false);
    expect(isToWorker(null)).toBe(false);
    expect(isToWorker('close')).toBe(false);
  });
});
