/**
 * HIPAA building blocks benchmark (`npm run bench hipaa`): what chat sealing, file encryption,
 * the audit trail and passcode stretching cost, each next to a baseline measured in the same run.
 *
 * - chat: seal+open of a 200-byte message (AES-GCM + Ed25519 sign/verify + replay window) vs raw
 *   WebCrypto AES-256-GCM encrypt+decrypt of the same bytes with a pre-imported key.
 * - files: encrypt+receive of 1 MiB in 64 KiB chunks (libsodium secretstream, WASM) vs raw
 *   WebCrypto AES-256-GCM over the same chunks.
 * - audit: append (SHA-256 + Ed25519 sign) and verify per entry vs one raw Ed25519 signature.
 * - passcode: one Argon2id stretch at the default cost (t=3, 64 MiB) — absolute time, with the
 *   light test cost as the reference.
 *
 * Method: operations alternate ABBA after a warm-up; medians of per-operation times. Bounded:
 * fixed iteration counts.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { AuditLog, ed25519Signer, verifyAuditLog } from '../src/room/audit/index.js';
import { ChatReceiver, ChatSender } from '../src/room/chat/index.js';
import { FileReceiver, createFileSecrets, encryptFile } from '../src/room/files/index.js';
import { DEFAULT_PASSCODE_PARAMS, stretchPasscode } from '../src/room/passcode/index.js';

type Op = () => Promise<unknown> | unknown;
const subtle = globalThis.crypto.subtle;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function abba(a: Op, b: Op, rounds: number): Promise<[number, number]> {
  const ta: number[] = [];
  const tb: number[] = [];
  const time = async (op: Op, into: number[]) => {
    const t = performance.now();
    await op();
    into.push(performance.now() - t);
  };
  for (let i = 0; i < 5; i++) {
    await a();
    await b();
  }
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      await time(a, ta);
      await time(b, tb);
    } else {
      await time(b, tb);
      await time(a, ta);
    }
  }
  return [median(ta), median(tb)];
}

function row(name: string, ms: number, baseName: string, baseMs: number, extra = ''): void {
  console.log(`| ${name} | ${(ms * 1000).toFixed(0)} µs | ${baseName} | ${(baseMs * 1000).toFixed(0)} µs | ${(ms / baseMs).toFixed(1)}× | ${extra} |`);
}

async function main(): Promise<void> {
  console.log('| operation | median | baseline | baseline median | ratio | note |');
  console.log('|---|---|---|---|---|---|');

  // chat
  const sk = ed25519.utils.randomSecretKey();
  const signer = ed25519Signer(sk);
  const base = crypto.getRandomValues(new Uint8Array(32));
  const tx = await ChatSender.create({ senderId: 'alice', epoch: 0, baseKey: base, signer });
  const rx = new ChatReceiver();
  await rx.addKey('alice', 0, base, signer.publicKey);
  const msg = crypto.getRandomValues(new Uint8Array(200));
  const aes = await subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt', 'decrypt']);
  let ctr = 0;
  const rawGcm = async (pt: Uint8Array<ArrayBuffer>) => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, ctr++);
    const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, aes, pt);
    return subtle.decrypt({ name: 'AES-GCM', iv }, aes, ct);
  };
  const [chatMs, gcmMs] = await abba(async () => rx.open(await tx.seal(msg)), () => rawGcm(msg), 400);
  row('chat seal+open 200 B', chatMs, 'AES-GCM enc+dec 200 B', gcmMs, 'Ed25519 sign+verify dominates');

  // files
  const file = new Uint8Array(1024 * 1024);
  for (let i = 0; i < file.length; i += 65536) crypto.getRandomValues(file.subarray(i, i + 65536));
  const chunks = Array.from({ length: 16 }, (_, i) => file.slice(i * 65536, (i + 1) * 65536));
  const fileRound = async () => {
    const { fileId, key } = createFileSecrets();
    const r = await FileReceiver.create({ fileId, key });
    for await (const m of encryptFile(file, { fileId, key })) r.push(m.bytes);
    return r.bytes();
  };
  const gcmFile = async () => {
    for (const c of chunks) await rawGcm(c);
  };
  const [fileMs, gcmFileMs] = await abba(fileRound, gcmFile, 30);
  row('file 1 MiB enc+receive', fileMs, 'AES-GCM 16×64 KiB', gcmFileMs, `${(1 / (fileMs / 1000)).toFixed(0)} MiB/s`);

  // audit
  const log = new AuditLog({ signer });
  let epoch = 0;
  const signMsg = new Uint8Array(53);
  const [appendMs, signMs] = await abba(() => log.append('epoch-changed', { participantId: 'alice', epoch: epoch++ }), () => ed25519.sign(signMsg, sk), 300);
  row('audit append', appendMs, 'Ed25519 sign', signMs);
  const jsonl = log.export();
  const n = log.length;
  const t0 = performance.now();
  const res = await verifyAuditLog(jsonl, log.publicKey);
  const verifyPer = (performance.now() - t0) / n;
  if (!res.ok) throw new Error('benchmark log failed verification');
  const sig = ed25519.sign(signMsg, sk);
  const [, rawVerify] = await abba(() => undefined, () => ed25519.verify(sig, signMsg, signer.publicKey, { zip215: false }), 100);
  row(`audit verify (per entry, ${n} entries)`, verifyPer, 'Ed25519 verify', rawVerify);

  // passcode
  const light = { opsLimit: 1, memLimitKiB: 64 };
  await stretchPasscode('warm-up', 'room', light);
  const times: number[] = [];
  const lightTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    (await stretchPasscode('blue-4711', 'room', DEFAULT_PASSCODE_PARAMS)).fill(0);
    times.push(performance.now() - t);
    t = performance.now();
    (await stretchPasscode('blue-4711', 'room', light)).fill(0);
    lightTimes.push(performance.now() - t);
  }
  row('Argon2id t=3, 64 MiB', median(times), 'Argon2id t=1, 64 KiB (tests)', median(lightTimes), 'the passcode delay a user feels, once per join');
  signer.dispose();
}

await main();
