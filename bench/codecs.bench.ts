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

/**
 * µs per call of each function, measured in interleaved batches (A, B, A, B, …) so load changes on
 * a shared machine hit all of them alike. Reports the fastest batch of each (least disturbed), the
 * median of the per-batch wall-time ratios to the first function, and the same for process CPU
 * time (main thread + WebCrypto's threads), which other processes disturb less than wall time.
 */
async function compare(fns: readonly (() => unknown)[], iterations: number, batches = 15): Promise<{ us: number[]; ratios: number[]; cpuRatios: number[] }> {
  const wall: number[][] = fns.map(() => []);
  const cpu: number[][] = fns.map(() => []);
  for (let b = -1; b < batches; b++) {
    for (let f = 0; f < fns.length; f++) {
      const fn = fns[f]!;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < iterations; i++) await fn();
      const t = ((performance.now() - t0) * 1000) / iterations;
      const c = process.cpuUsage(c0);
      if (b >= 0) {
        // batch -1 warms up
        wall[f]!.push(t);
        cpu[f]!.push((c.user + c.system) / iterations);
      }
    }
  }
  const ratiosTo = (xs: number[][]): number[] => xs.map((t) => median(t.map((x, k) => x / xs[0]![k]!)));
  return { us: wall.map((t) => Math.min(...t)), ratios: ratiosTo(wall), cpuRatios: ratiosTo(cpu) };
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
const esc = await compare([() => body.slice(), () => escapeEmulation(body), () => unescapeEmulation(escaped), () => naiveEscape(body)], 20);
console.log(`H.264 emulation prevention, ${KEY_BYTES / 1024} KB of ciphertext-like bytes (${escaped.length - body.length} bytes inserted)\n`);
console.log('| operation | µs (fastest batch) | × slice copy (median) | × slice copy, CPU |');
console.log('|---|---:|---:|---:|');
['Uint8Array.slice (baseline)', 'escapeEmulation', 'unescapeEmulation', 'byte-at-a-time number[] escaper'].forEach((name, i) =>
  console.log(`| ${name} | ${fmt(esc.us[i]!)} | ${esc.ratios[i]!.toFixed(2)} | ${esc.cpuRatios[i]!.toFixed(2)} |`),
);

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
console.log('| frame | whole-frame SFrame µs | framed µs | framed ÷ whole (median) | CPU ratio | wire overhead B |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const r = await compare(
    [
      async () => receiver.decrypt(empty, await sender.encrypt(1n, empty, c.frame)),
      async () => unprotectFrame(c.codec, await protectFrame(c.codec, c.frame, { keyFrame: c.key }, cipher), cipher),
    ],
    c.frame.length > 10_000 ? 20 : 60,
  );
  const overhead = (await protectFrame(c.codec, c.frame, { keyFrame: c.key }, cipher)).length - c.frame.length;
  console.log(`| ${c.name} | ${fmt(r.us[0]!)} | ${fmt(r.us[1]!)} | ${r.ratios[1]!.toFixed(2)} | ${r.cpuRatios[1]!.toFixed(2)} | ${overhead} |`);
}
