// Runs before `npm run demo` and `npm test`: on a fresh clone (no node_modules yet, or a
// dependency missing) it installs the project's npm dependencies from the lock, so the README's
// two commands are the whole set-up. Uses only Node built-ins, since nothing else exists yet.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
const missing = names.filter((n) => !existsSync(join(root, 'node_modules', n, 'package.json')));
if (missing.length === 0) process.exit(0);

console.error(`sealrtc: installing npm dependencies (${missing.length} missing, e.g. ${missing.slice(0, 3).join(', ')})`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const opts = { cwd: root, stdio: 'inherit' };
try {
  execFileSync(npm, ['ci', '--no-audit', '--no-fund'], opts);
} catch {
  // See .ci/run: npm ci can refuse a lock whose foreign-platform optional builds the registry lacks.
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--no-save'], opts);
}
