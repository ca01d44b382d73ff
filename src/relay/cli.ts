#!/usr/bin/env node
/**
 * `sealrtc-relay`: run the reference relay from the command line.
 *
 *   sealrtc-relay [--port 8787] [--host 127.0.0.1] [--workers N] [--redis redis://127.0.0.1:6379] [--redis-node-ttl-ms 3000]
 *                 [--log-level info] [--<limit-in-kebab-case> N …]
 *
 * Join tokens are configured through the environment, never the command line (which other
 * local users can read): `SEALRTC_TOKEN_SECRET` (base64, ≥ 32 bytes, HMAC-SHA256) or
 * `SEALRTC_TOKEN_PUBLIC_KEY` (hex, Ed25519). SIGTERM / SIGINT drain and exit.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS, type RelayLimits } from './limits.js';
import type { LogLevel } from './log.js';
import { createRelayCluster } from './cluster.js';
import { createRelayServer } from './server.js';
import type { TokenKey } from './tokens.js';

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const limitFlags = Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((k) => [kebab(k), { type: 'string' as const }]));

function usage(): string {
  return [
    'usage: sealrtc-relay [--port 8787] [--host 127.0.0.1] [--workers N] [--redis redis://host:port] [--redis-node-ttl-ms 3000]',
    '  --workers N: N worker processes (rooms spread over them by id; 0 = one per CPU); default 1, a single process',
    '                     [--log-level debug|info|warn|error|silent]',
    '  limits (defaults):',
    ...Object.entries(DEFAULT_LIMITS).map(([k, v]) => `    --${kebab(k)} ${String(v)}`),
    '  env: SEALRTC_TOKEN_SECRET=<base64 ≥32 bytes> | SEALRTC_TOKEN_PUBLIC_KEY=<hex ed25519> (require join tokens)',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' }, host: { type: 'string' }, workers: { type: 'string' }, redis: { type: 'string' }, 'redis-node-ttl-ms': { type: 'string' },
      'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...limitFlags,
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(usage() + '\n');
    return;
  }
  const limits: Partial<RelayLimits> = {};
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof RelayLimits)[]) {
    const v = (values as Record<string, unknown>)[kebab(k)];
    if (typeof v !== 'string') continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${kebab(k)} must be a non-negative number`);
    limits[k] = n;
  }
  let tokenKey: TokenKey | undefined;
  const secret = process.env.SEALRTC_TOKEN_SECRET;
  const pub = process.env.SEALRTC_TOKEN_PUBLIC_KEY;
  if (secret) tokenKey = { hmacSecret: new Uint8Array(Buffer.from(secret, 'base64')) };
  else if (pub) tokenKey = { ed25519PublicKey: new Uint8Array(Buffer.from(pub, 'hex')) };
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be 0..65535');
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 0 || workers > 64) throw new Error('--workers must be 0..64');
  const common = {
    port, host: values.host, redisUrl: values.redis, limits, tokenKey,
    redisNodeTtlMs: values['redis-node-ttl-ms'] === undefined ? undefined : Number(values['redis-node-ttl-ms']),
    logLevel: (values['log-level'] ?? 'info') as LogLevel | 'silent',
  };
  const relay = workers === 1 ? await createRelayServer(common) : await createRelayCluster({ ...common, workers: workers === 0 ? undefined : workers });
  process.stdout.write(`sealrtc-relay listening on ${relay.url}\n`);
  const stop = (): void => {
    relay.close().then(() => process.exit(0), (e: unknown) => {
      process.stderr.write(`shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`sealrtc-relay: ${e instanceof Error ? e.message : String(e)}\n\n${usage()}\n`);
  process.exit(1);
});
