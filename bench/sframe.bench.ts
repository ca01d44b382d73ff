/**
 * SFrame core benchmark (`npm run bench sframe`): µs per encrypt+decrypt through SFrameContext
 * next to raw WebCrypto AES-256-GCM encrypt+decrypt of the same bytes with a pre-imported key,
 * measured in the same run; plus bytes of overhead per frame.
 *
 * Method: after a warm-up, the two sides alternate operation by operation (ABBA order, so neither
 * always runs first); each operation is timed on its own and the table shows medians, which shrug
 * off scheduler stalls on a shared machine. The ratio is median(context) / median(raw). A second
 * ratio compares process CPU time (main thread + WebCrypto's worker threads) over alternating
 * blocks, which a busy machine disturbs far less than wall time. Bounded: ≤ 15 s + 5 s per size.
 * Targets: ratio ≤ 1.30 at 100 B, ≤ 1.10 at 10 KB and 100 KB; overhead ≤ 19 B (KID < 8, CTR < 2^16).
 */
import { CipherSuite, SFrameContext, headerSize, suiteParams } from '../src/sframe/index.js';

const subtle = globalThis.crypto.subtle;
const SIZES = [100, 1_000, 10_000, 100_000];
const EMPTY = new Uint8Array(0);
const BUDGET_MS = 15_000;

type Op = () => Promise<unknown>;

/** Fills any length with random bytes (getRandomValues takes ≤ 64 KiB at a time). */
function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

/** CPU µs per call of `op` over `n` calls (user + system, all threads of this process). */
async function cpuTime(op: Op, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await op();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

async function time(op: Op, into: number[]): Promise<void> {
  const t0 = performance.now();
  await op();
  into.push((performance.now() - t0) * 1000);
}

async function main(): Promise<void> {
  const baseKey = randomBytes(32);
  const rawKey = await subtle.importKey('raw', randomBytes(32), 'AES-GCM', false, ['encrypt', 'decrypt']);
  const tx = new SFrameContext();
  const rx = new SFrameContext();
  await tx.addEncryptKey(3n, baseKey);
  await rx.addDecryptKey(3n, baseKey);

  console.log('| frame | SFrameContext µs/op | raw subtle µs/op | ratio | target | CPU ratio | samples |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (const size of SIZES) {
    const pt = randomBytes(size);
    const iv = new Uint8Array(12);
    const ivView = new DataView(iv.buffer);
    let ivCtr = 0;
    const raw: Op = async () => {
      ivView.setUint32(8, ++ivCtr); // a fresh IV per frame, as any real sender needs
      const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, rawKey, pt);
      await subtle.decrypt({ name: 'AES-GCM', iv }, rawKey, ct);
    };
    const ctx: Op = async () => rx.decrypt(EMPTY, await tx.encrypt(3n, EMPTY, pt));
    const warm = size >= 100_000 ? 100 : 500;
    for (let i = 0; i < warm; i++) {
      await raw();
      await ctx();
    }
    const a: number[] = [];
    const b: number[] = [];
    const pairs = size >= 100_000 ? 600 : 3000;
    const deadline = performance.now() + BUDGET_MS;
    for (let i = 0; i < pairs && performance.now() < deadline; i++) {
      if (i % 4 === 0 || i % 4 === 3) {
        await time(ctx, a);
        await time(raw, b);
      } else {
        await time(raw, b);
        await time(ctx, a);
      }
    }
    let cpuA = 0;
    let cpuB = 0;
    const cpuDeadline = performance.now() + 5_000;
    for (let i = 0; i < 40 && performance.now() < cpuDeadline; i++) {
      const n = size >= 100_000 ? 10 : 50;
      if (i % 2 === 0) {
        cpuA += await cpuTime(ctx, n);
        cpuB += await cpuTime(raw, n);
      } else {
        cpuB += await cpuTime(raw, n);
        cpuA += await cpuTime(ctx, n);
      }
    }
    const ratio = median(a) / median(b);
    const target = size <= 100 ? 1.3 : size >= 10_000 ? 1.1 : undefined;
    const label = size >= 1000 ? `${size / 1000} KB` : `${size} B`;
    const verdict = target === undefined ? '—' : `≤ ${target.toFixed(2)} ${ratio <= target ? '✓' : '✗'}`;
    console.log(
      `| ${label} | ${median(a).toFixed(1)} | ${median(b).toFixed(1)} | ${ratio.toFixed(3)} | ${verdict} | ${(cpuA / cpuB).toFixed(3)} | ${a.length} |`,
    );
  }

  const nt = suiteParams(CipherSuite.AES_256_GCM_SHA512_128).nt;
  console.log(`\nOverhead per frame, AES_256_GCM_SHA512_128 (header + ${nt}-byte tag):\n`);
  console.log('| KID | CTR | header B | overhead B |');
  console.log('|---:|---:|---:|---:|');
  const cases: [string, bigint, string, bigint][] = [
    ['< 8', 5n, '< 8', 7n],
    ['< 8', 5n, '< 2^8', 255n],
    ['< 8', 5n, '< 2^16', 65_535n],
    ['< 8', 5n, '< 2^23 (safe limit)', 2n ** 23n - 1n],
    ['< 2^8', 255n, '< 2^16', 65_535n],
    ['< 2^16', 65_535n, '< 2^16', 65_535n],
    ['< 2^64', 2n ** 64n - 1n, '< 2^64', 2n ** 64n - 1n],
  ];
  for (const [kl, kid, cl, ctr] of cases) {
    const h = headerSize(kid, ctr);
    console.log(`| ${kl} | ${cl} | ${h} | ${h + nt} |`);
  }
  // Measured on real frames, not computed: what encrypt adds for KID < 8 and every CTR < 2^16.
  const probe = new SFrameContext();
  await probe.addEncryptKey(5n, baseKey);
  let worst = 0;
  for (let i = 0; i < 65_536; i++) worst = Math.max(worst, (await probe.encrypt(5n, EMPTY, EMPTY)).length);
  console.log(`\nMeasured: 65 536 empty frames, KID 5, CTR 0…65 535 → max overhead ${worst} B (target ≤ 19 ${worst <= 19 ? '✓' : '✗'}).`);
}

await main();
