/**
 * `npm run bench codecs`: cost of codec-aware framing.
 *
 * 1. H.264 emulation prevention over a 50 KB key frame's encrypted bytes (random, like ciphertext),
 *    against a plain `Uint8Array.slice` copy of the same bytes (the floor any escaper must pay) and
 *    a byte-at-a-time `number[]` escaper (the common JS shape, for scale).
 * 2. Per codec: protectFrame + unprotectFrame over a real SFrameContext, against SFrameContext
 *    encrypt + decrypt of the same frame as one whole payload (what framing adds on top of SFrame).
 *
 * Figures are medians of several batches; read the ratios, not the absolute times.
 */
import { escapeEmulation, unescapeEmulation } from '../src/media/codecs/h264-escape.js';
import { protectFrame, unprotectFrame, type FrameCipher, type MediaCodec } from '../src/media/codecs/index.js';
import { SFrameContext } from '../src/sframe/index.js';

const rand = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
};
const cat = (...parts: (Uint8Array | number[])[]): Uint8Array => {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let off = 0;
  for (const a of arrays) {
    out.set(a, off);
    off += a.length;
  }
  return out;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median µs per call of a synchronous function. */
function timeSync(fn: () => unknown, iterations: number, batches = 9): number {
  for (let i = 0; i < iterations; i++) fn();
  const results: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    results.push(((performance.now() - t0) * 1000) / iterations);
  }
  return median(results);
}

/** Median µs per call of an async function, calls awaited one after another. */
async function timeAsync(fn: () => Promise<unknown>, iterations: number, batches = 7): Promise<number> {
  for (let i = 0; i < iterations; i++) await fn();
  const results: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    results.push(((performance.now() - t0) * 1000) / iterations);
  }
  return median(results);
}

/** The byte-at-a-time escaper many JS E2EE codebases use, for comparison only. */
function naiveEscape(src: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of src) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return new Uint8Array(out);
}

const fmt = (us: number): string => (us >= 100 ? us.toFixed(0) : us.toFixed(1)).padStart(8);

// ---------- 1. escaping ----------
const KEY_BYTES = 50 * 1024;
const body = rand(KEY_BYTES);
const escaped = escapeEmulation(body);
const copyUs = timeSync(() => body.slice(), 400);
const escUs = timeSync(() => escapeEmulation(body), 400);
const unescUs = timeSync(() => unescapeEmulation(escaped), 400);
const naiveUs = timeSync(() => naiveEscape(body), 40);
console.log(`H.264 emulation prevention, ${KEY_BYTES / 1024} KB of ciphertext-like bytes (${escaped.length - body.length} bytes inserted)\n`);
console.log('| operation | µs | × slice copy |');
console.log('|---|---:|---:|');
console.log(`| Uint8Array.slice (baseline) | ${fmt(copyUs)} | 1.00 |`);
console.log(`| escapeEmulation | ${fmt(escUs)} | ${(escUs / copyUs).toFixed(2)} |`);
console.log(`| unescapeEmulation | ${fmt(unescUs)} | ${(unescUs / copyUs).toFixed(2)} |`);
console.log(`| byte-at-a-time number[] escaper | ${fmt(naiveUs)} | ${(naiveUs / copyUs).toFixed(2)} |`);

// ---------- 2. per-codec framing over SFrameContext ----------
const sps = Uint8Array.of(0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xe8);
const pps = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const slice = (type: number, size: number): Uint8Array => cat([0x60 | type, 0x88, 0x84], escapeEmulation(rand(size)), [0x80]);
const obu = (type: number, payload: Uint8Array): Uint8Array => {
  const leb: number[] = [];
  let v = payload.length;
  do {
    leb.push((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>>= 7;
  } while (v > 0);
  return cat([(type << 3) | 0x02], leb, payload);
};
const sc = [0, 0, 0, 1];
const cases: { name: string; codec: MediaCodec; frame: Uint8Array; key: boolean }[] = [
  { name: 'VP8 key 50 KB', codec: 'vp8', frame: cat([0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], rand(KEY_BYTES - 10)), key: true },
  { name: 'VP8 delta 5 KB', codec: 'vp8', frame: cat([0x31, 0x02, 0x00], rand(5 * 1024 - 3)), key: false },
  { name: 'VP9 20 KB', codec: 'vp9', frame: rand(20 * 1024), key: false },
  { name: 'H.264 key 50 KB (SPS, PPS, IDR)', codec: 'h264', frame: cat(sc, sps, sc, pps, sc, slice(5, KEY_BYTES)), key: true },
  { name: 'H.264 delta 8 KB (4 slices)', codec: 'h264', frame: cat(sc, slice(1, 2048), sc, slice(1, 2048), sc, slice(1, 2048), sc, slice(1, 2048)), key: false },
  { name: 'AV1 key 50 KB (TD, SH, frame)', codec: 'av1', frame: cat(obu(2, new Uint8Array(0)), obu(1, Uint8Array.of(0, 0, 0, 0x0a, 0x0b, 0xf0)), obu(6, rand(KEY_BYTES))), key: true },
  { name: 'Opus 120 B', codec: 'opus', frame: rand(120), key: false },
];

const baseKey = rand(32);
const sender = new SFrameContext();
const receiver = new SFrameContext();
await sender.addEncryptKey(1n, baseKey);
await receiver.addDecryptKey(1n, baseKey);
const empty = new Uint8Array(0);
const cipher: FrameCipher = {
  seal: (m, p) => sender.encrypt(1n, m, p),
  open: async (m, s) => (await receiver.decrypt(m, s)).plaintext,
};

console.log('\nPer-frame protect + unprotect over SFrameContext (AES_256_GCM_SHA512_128), vs encrypt + decrypt of the whole frame\n');
console.log('| frame | whole-frame SFrame µs | framed µs | ratio | wire overhead B |');
console.log('|---|---:|---:|---:|---:|');
for (const c of cases) {
  const iterations = c.frame.length > 10_000 ? 150 : 600;
  const wholeUs = await timeAsync(async () => {
    const s = await sender.encrypt(1n, empty, c.frame);
    await receiver.decrypt(empty, s);
  }, iterations);
  const framedUs = await timeAsync(async () => {
    const w = await protectFrame(c.codec, c.frame, { keyFrame: c.key }, cipher);
    await unprotectFrame(c.codec, w, cipher);
  }, iterations);
  const overhead = (await protectFrame(c.codec, c.frame, { keyFrame: c.key }, cipher)).length - c.frame.length;
  console.log(`| ${c.name} | ${fmt(wholeUs)} | ${fmt(framedUs)} | ${(framedUs / wholeUs).toFixed(2)} | ${overhead} |`);
}
