/**
 * Encrypted files: round trips, and truncation, reordering, duplication, tampering and size
 * limits all detected; the receiver never releases a partial file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FileReceiver,
  FileTransferError,
  createFileSecrets,
  decodeFileOffer,
  encodeFileOffer,
  encryptFile,
} from '../../../src/room/files/index.js';
import type { EncryptFileOptions } from '../../../src/room/files/index.js';
import { KIND_CHUNK, KIND_HEADER, encodeChunk, encodeHeader, encodeMeta, messagePrefix } from '../../../src/room/files/format.js';
import { loadSodium } from '../../../src/room/passcode/sodium.js';

function data(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = x = (x * 1103515245 + 12345) & 0xff;
  return out;
}

async function seal(source: Blob | Uint8Array, opts: Partial<EncryptFileOptions> = {}) {
  const { fileId, key } = createFileSecrets();
  const messages: Uint8Array[] = [];
  const progress: number[] = [];
  for await (const m of encryptFile(source, { fileId, key, chunkSize: 1000, ...opts })) {
    messages.push(m.bytes);
    progress.push(m.sentBytes);
  }
  return { fileId, key, messages, progress };
}

async function receive(fileId: Uint8Array, key: Uint8Array, messages: Uint8Array[], maxBytes?: number) {
  const rx = await FileReceiver.create({ fileId, key, ...(maxBytes === undefined ? {} : { maxBytes }) });
  for (const m of messages) rx.push(m);
  return rx;
}

async function failsWith(fileId: Uint8Array, key: Uint8Array, messages: Uint8Array[]): Promise<string> {
  const rx = await FileReceiver.create({ fileId, key });
  try {
    for (const m of messages) rx.push(m);
    rx.bytes();
  } catch (e) {
    expect(rx.complete).toBe(false);
    return (e as FileTransferError).code;
  }
  return 'accepted';
}

describe('encrypted files', () => {
  it('round-trips bytes with sealed metadata and monotonic progress', async () => {
    const file = data(4500);
    const { fileId, key, messages, progress } = await seal(file, { name: 'scan.pdf', mimeType: 'application/pdf' });
    expect(messages).toHaveLength(1 + 5);
    expect(progress).toEqual([0, 1000, 2000, 3000, 4000, 4500]);
    const rx = await FileReceiver.create({ fileId, key });
    const seen: number[] = [];
    rx.on('progress', ({ receivedBytes, totalBytes }) => seen.push(receivedBytes / totalBytes));
    let completed = 0;
    rx.on('complete', () => completed++);
    for (const m of messages) rx.push(m);
    expect(rx.meta).toEqual({ name: 'scan.pdf', mimeType: 'application/pdf', size: 4500, chunkSize: 1000 });
    expect(seen.at(-1)).toBe(1);
    expect(completed).toBe(1);
    expect(rx.bytes()).toEqual(file);
    // The name never appears in clear.
    const name = new TextEncoder().encode('scan.pdf');
    expect(Buffer.from(messages[0]!).includes(Buffer.from(name))).toBe(false);
  });

  it('reads a File (Blob) slice by slice and takes its name and type', async () => {
    const file = new File([data(2500) as Uint8Array<ArrayBuffer>], 'x-ray.png', { type: 'image/png' });
    const { fileId, key, messages } = await seal(file);
    const rx = await receive(fileId, key, messages);
    expect(rx.meta).toMatchObject({ name: 'x-ray.png', mimeType: 'image/png', size: 2500 });
    const blob = rx.blob();
    expect(blob.type).toBe('image/png');
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(data(2500));
  });

  it('property: any size and chunk size round-trips', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 16, max: 2048 }), async (size, chunkSize) => {
        const file = data(size, size);
        const { fileId, key, messages } = await seal(file, { chunkSize });
        expect(messages).toHaveLength(1 + Math.max(1, Math.ceil(size / chunkSize)));
        expect((await receive(fileId, key, messages)).bytes()).toEqual(file);
      }),
      { numRuns: 60 },
    );
  });

  it('truncation: without the final chunk the file is never released', async () => {
    const { fileId, key, messages } = await seal(data(3500));
    const rx = await receive(fileId, key, messages.slice(0, -1));
    expect(rx.complete).toBe(false);
    expect(() => rx.bytes()).toThrow(expect.objectContaining({ code: 'truncated' }));
    expect(await failsWith(fileId, key, messages.slice(0, 1))).toBe('truncated');
  });

  it('a dropped middle chunk, a reorder and a duplicate are each detected', async () => {
    const { fileId, key, messages: m } = await seal(data(3500));
    expect(await failsWith(fileId, key, [m[0]!, m[1]!, m[3]!, m[4]!])).toBe('integrity-failed');
    expect(await failsWith(fileId, key, [m[0]!, m[2]!, m[1]!, m[3]!, m[4]!])).toBe('integrity-failed');
    expect(await failsWith(fileId, key, [m[0]!, m[1]!, m[1]!, m[2]!, m[3]!, m[4]!])).toBe('integrity-failed');
    expect(await failsWith(fileId, key, [m[1]!, m[0]!])).toBe('integrity-failed');
    expect(await failsWith(fileId, key, [...m, m[4]!])).toBe('integrity-failed'); // data after the end
  });

  it('a reorder with the clear indices rewritten is still detected (secretstream state)', async () => {
    const { fileId, key, messages: m } = await seal(data(3500));
    const withIndex = (msg: Uint8Array, index: number) => {
      const copy = msg.slice();
      new DataView(copy.buffer).setUint32(18, index);
      return copy;
    };
    expect(await failsWith(fileId, key, [m[0]!, withIndex(m[2]!, 1), withIndex(m[1]!, 2), m[3]!, m[4]!])).toBe('integrity-failed');
  });

  it('chunks spliced in from another transfer under the same key are detected', async () => {
    const file = data(3500);
    const a = await seal(file);
    const { messages: b } = await seal(file, { fileId: a.fileId, key: a.key });
    expect(await failsWith(a.fileId, a.key, [a.messages[0]!, a.messages[1]!, b[2]!])).toBe('integrity-failed');
  });

  it('property: flipping any bit of any message is detected and nothing is released', async () => {
    const { fileId, key, messages } = await seal(data(2500));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: messages.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 7 }), async (which, at, bit) => {
        const tampered = messages.map((x) => x.slice());
        const target = tampered[which]!;
        target[at % target.length]! ^= 1 << bit;
        expect(['integrity-failed', 'malformed-message']).toContain(await failsWith(fileId, key, tampered));
      }),
      { numRuns: 200 },
    );
  });

  it('the wrong key or file id fails at the header', async () => {
    const { fileId, key, messages } = await seal(data(100));
    const otherKey = key.slice();
    otherKey[0]! ^= 1;
    expect(await failsWith(fileId, otherKey, messages)).toBe('integrity-failed');
    expect(await failsWith(new Uint8Array(16), key, messages)).toBe('integrity-failed');
  });

  it('enforces size limits at the sender (before any message) and at the receiver (from the sealed header)', async () => {
    const { fileId, key } = createFileSecrets();
    const it = encryptFile(data(2001), { fileId, key, maxBytes: 2000 });
    await expect(it.next()).rejects.toMatchObject({ code: 'too-large' });
    const ok = await seal(data(2001));
    const rx = await FileReceiver.create({ fileId: ok.fileId, key: ok.key, maxBytes: 2000 });
    expect(() => rx.push(ok.messages[0]!)).toThrow(expect.objectContaining({ code: 'too-large' }));
    expect(() => rx.push(ok.messages[1]!)).toThrow(expect.objectContaining({ code: 'integrity-failed' }));
  });

  it('stops between chunks when aborted', async () => {
    const { fileId, key } = createFileSecrets();
    const ac = new AbortController();
    const it = encryptFile(data(5000), { fileId, key, chunkSize: 1000, signal: ac.signal });
    await it.next();
    await it.next();
    ac.abort();
    await expect(it.next()).rejects.toMatchObject({ code: 'aborted' });
  });

  it('rejects bad options and malformed bytes', async () => {
    const { fileId, key } = createFileSecrets();
    await expect(encryptFile(data(1), { fileId, key: new Uint8Array(31) }).next()).rejects.toMatchObject({ code: 'invalid-options' });
    await expect(encryptFile(data(1), { fileId, key, chunkSize: 0 }).next()).rejects.toMatchObject({ code: 'invalid-options' });
    await expect(encryptFile(data(1), { fileId, key, name: 'n'.repeat(256) }).next()).rejects.toMatchObject({ code: 'invalid-options' });
    await expect(FileReceiver.create({ fileId: new Uint8Array(15), key })).rejects.toBeInstanceOf(FileTransferError);
    const rx = await FileReceiver.create({ fileId, key });
    expect(() => rx.push(new Uint8Array([9, 1, 2]))).toThrow(expect.objectContaining({ code: 'malformed-message' }));
    expect(() => rx.push(new Uint8Array([9, 1, 2]))).toThrow(expect.objectContaining({ code: 'integrity-failed' }));
  });

  it('file offers round-trip and reject malformed input', () => {
    const { fileId, key } = createFileSecrets();
    expect(decodeFileOffer(encodeFileOffer(fileId, key))).toEqual({ fileId, key });
    expect(() => decodeFileOffer(new Uint8Array(49))).toThrow(expect.objectContaining({ code: 'malformed-message' }));
    expect(() => encodeFileOffer(fileId, new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'invalid-options' }));
  });

  /** A sender holding the key but not following the protocol (wrong size, wrong tags). */
  async function craft(parts: { data: Uint8Array; tag: 'message' | 'final' | 'push' }[], declaredSize: number) {
    const s = await loadSodium();
    const { fileId, key } = createFileSecrets();
    const { state, header } = s.crypto_secretstream_xchacha20poly1305_init_push(key);
    const tags = {
      message: s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
      final: s.crypto_secretstream_xchacha20poly1305_TAG_FINAL,
      push: s.crypto_secretstream_xchacha20poly1305_TAG_PUSH,
    };
    const meta = encodeMeta({ name: 'f', mimeType: 'text/plain', size: declaredSize, chunkSize: 10 });
    const messages = [encodeHeader(fileId, header, s.crypto_secretstream_xchacha20poly1305_push(state, meta, messagePrefix(KIND_HEADER, fileId, 0), tags.message))];
    parts.forEach((p, i) => {
      const ct = s.crypto_secretstream_xchacha20poly1305_push(state, p.data, messagePrefix(KIND_CHUNK, fileId, i + 1), tags[p.tag]);
      messages.push(encodeChunk(fileId, i + 1, ct));
    });
    return { fileId, key, messages };
  }

  it('a keyed sender cannot deliver a size other than the sealed one, or use other stream tags', async () => {
    const ten = data(10);
    const short = await craft([{ data: ten, tag: 'final' }], 20);
    expect(await failsWith(short.fileId, short.key, short.messages)).toBe('integrity-failed');
    const long = await craft([{ data: ten, tag: 'message' }, { data: ten, tag: 'final' }], 10);
    expect(await failsWith(long.fileId, long.key, long.messages)).toBe('integrity-failed');
    const pushed = await craft([{ data: ten, tag: 'push' }, { data: ten, tag: 'final' }], 20);
    expect(await failsWith(pushed.fileId, pushed.key, pushed.messages)).toBe('integrity-failed');
    const good = await craft([{ data: ten, tag: 'message' }, { data: ten, tag: 'final' }], 20);
    expect((await receive(good.fileId, good.key, good.messages)).bytes()).toHaveLength(20);
  });

  it('dispose wipes the result', async () => {
    const { fileId, key, messages } = await seal(data(100));
    const rx = await receive(fileId, key, messages);
    rx.dispose();
    expect(() => rx.bytes()).toThrow(expect.objectContaining({ code: 'integrity-failed' }));
  });
});
