/**
 * Browser media benchmark (`npm run bench browser-media`), issue #4 §7, in the Debian Chromium:
 *
 * 1. Worker time per frame, per codec (VP8, VP9, H.264, AV1) at 640x480 and 1280x720: the
 *    sealrtc worker sealing (sender) and opening (receiver) each frame, against the same worker in
 *    pass-through mode (a copy, no crypto), measured in the same run. Times are wall clock inside
 *    the worker (they include waiting for a CPU), so the table leads with the median of the last
 *    128 frames, which shrugs off scheduler stalls on a shared machine; the mean is beside it.
 * 2. Time to first decoded frame (negotiation start → first presented frame) with E2EE, with the
 *    pass-through worker, and with no transform; ratio E2EE / none (target ≤ 1.15). The
 *    controller exists and holds the keys before negotiation starts (as in a call, where keys
 *    arrive with the handshake). Runs alternate modes (none, passthrough, e2ee, …) so drift hits
 *    all of them alike; medians. The canvas produces a frame every 33 ms, so single runs jitter
 *    by up to one frame interval.
 *
 * Runs in a loopback-only network namespace (re-executes itself under `unshare -n`). Bounded: a
 * fixed number of runs, each with a 15 s cap on the first frame.
 */
import { execFileSync } from 'node:child_process';
import { launchChromium, startPageServer } from '../test/browser/harness/index.mjs';

const CODECS = ['VP8', 'VP9', 'H264', 'AV1'] as const;
const SIZES = [
  [640, 480],
  [1280, 720],
] as const;
const SECONDS = 4;
const TTFF_ROUNDS = 11;

type Result = {
  codec: string;
  encodedSize: string;
  crossOriginIsolated: boolean;
  ttffMs: number;
  framesEncoded: number;
  framesDecoded: number;
  avgFrameBytes: number;
  sendUs: number;
  recvUs: number;
  sendMeanUs: number;
  recvMeanUs: number;
  workerFrames: number;
  failed: number;
};

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1]! : NaN;
};
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '—');

async function main(): Promise<void> {
  const browser = await launchChromium();
  // Cross-origin isolation gives workers a 5 µs performance.now() instead of a 100 µs one.
  const server = await startPageServer({
    pages: { bench: 'bench/browser-media.page.ts', worker: 'bench/browser-media.worker.ts' },
    headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
  });
  try {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.url}/bench.html`);
    await page.waitForFunction(() => 'sealbench' in window);
    const run = (o: { codec: string; width: number; height: number; mode: string; seconds: number }): Promise<Result> =>
      page.evaluate((a) => (window as unknown as { sealbench: { run: (x: typeof a) => Promise<Result> } }).sealbench.run(a), o);
    console.log(`chromium ${browser.version()}, ${SECONDS} s of 30 fps busy canvas per run, one worker for both directions\n`);

    console.log('| codec | size sent | frame bytes (avg) | E2EE seal µs (median / mean) | E2EE open µs (median / mean) | pass-through µs send / recv (median) | E2EE ÷ pass-through (medians) | frames sealed+opened | open failures |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const codec of CODECS) {
      for (const [width, height] of SIZES) {
        const pass = await run({ codec, width, height, mode: 'passthrough', seconds: SECONDS });
        const e2ee = await run({ codec, width, height, mode: 'e2ee', seconds: SECONDS });
        if (!e2ee.crossOriginIsolated) console.log('(warning: page not cross-origin isolated; timer resolution 100 µs)');
        const ratio = (e2ee.sendUs + e2ee.recvUs) / (pass.sendUs + pass.recvUs);
        console.log(
          `| ${e2ee.codec || codec} | ${e2ee.encodedSize} | ${Math.round(e2ee.avgFrameBytes)} | ${f1(e2ee.sendUs)} / ${f1(e2ee.sendMeanUs)} | ${f1(e2ee.recvUs)} / ${f1(e2ee.recvMeanUs)} | ${f1(pass.sendUs)} / ${f1(pass.recvUs)} | ${f1(ratio)}× | ${e2ee.workerFrames} | ${e2ee.failed} |`,
        );
      }
    }

    console.log('\n| time to first frame (VP8 640x480) | median ms | runs | ÷ none |');
    console.log('|---|---:|---:|---:|');
    const ttff: Record<string, number[]> = { none: [], passthrough: [], e2ee: [] };
    for (let i = 0; i < TTFF_ROUNDS; i++) {
      const order = i % 2 === 0 ? ['none', 'passthrough', 'e2ee'] : ['e2ee', 'passthrough', 'none'];
      for (const mode of order) ttff[mode]!.push((await run({ codec: 'VP8', width: 640, height: 480, mode, seconds: 0 })).ttffMs);
    }
    const base = median(ttff.none!);
    for (const mode of ['none', 'passthrough', 'e2ee']) {
      const m = median(ttff[mode]!);
      console.log(`| ${mode === 'none' ? 'no transform' : mode === 'e2ee' ? 'E2EE (sealrtc worker)' : 'pass-through worker'} | ${f1(m)} | ${ttff[mode]!.length} | ${f2(m / base)}× |`);
    }
    console.log(`\nE2EE ÷ none target ≤ 1.15: ${median(ttff.e2ee!) / base <= 1.15 ? 'met' : 'NOT met'}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.env.SEALRTC_NETNS === '1') {
  await main();
} else {
  // Keep the browser off the real network: re-run this script in a loopback-only namespace.
  execFileSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && SEALRTC_NETNS=1 "${process.execPath}" "${process.argv[1]}"`], { stdio: 'inherit' });
}
