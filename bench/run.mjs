// `npm run bench [name…]`: bundles each bench/*.bench.ts with esbuild (so benchmarks import the
// real src/ modules) and runs them one after another in fresh Node processes, printing their tables.
// Benchmarks are scripts, never tests: they print figures and ratios against a baseline measured
// in the same run, and are recorded by hand in docs/benchmarks.md.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import os from 'node:os';

const here = import.meta.dirname;
const outDir = resolve(here, '../.tmp/bench');
mkdirSync(outDir, { recursive: true });
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ')}`);
  process.exit(1);
}
console.log(`# sealrtc benchmarks — node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
for (const f of files) {
  const out = join(outDir, f.replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [join(here, f)],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  console.log(`\n## ${f.replace(/\.bench\.ts$/, '')}\n`);
  execFileSync(process.execPath, ['--expose-gc', out], { stdio: 'inherit' });
}
