// `npm run demo:core`: a short tour of the built SFrame core (dist/sframe.js). Encrypts and decrypts a
// few sample frames with SFrameContext, prints the per-frame overhead for a few KID/CTR sizes, and
// checks the five RFC 9605 per-suite vectors from ../shared/vectors (relative to the repo root).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CipherSuite, SFrameContext, decodeHeader, deriveKeyMaterial, encodeHeader, open, seal, suiteParams } from '../dist/sframe.js';

const root = resolve(import.meta.dirname, '..');
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const EMPTY = new Uint8Array(0);

console.log('sealrtc SFrame core (RFC 9605), default suite AES_256_GCM_SHA512_128\n');

// 1. Sample frames through a sender and a receiver context.
const baseKey = crypto.getRandomValues(new Uint8Array(32));
const alice = new SFrameContext();
const bob = new SFrameContext();
await alice.addEncryptKey(3n, baseKey);
await bob.addDecryptKey(3n, baseKey);
baseKey.fill(0); // the contexts keep their own copies
console.log('sample frames (KID 3):');
for (const [label, size] of [['audio frame', 80], ['video delta frame', 1_200], ['video key frame', 24_000]]) {
  const frame = new Uint8Array(size).map((_, i) => i & 0xff);
  const sframe = await alice.encrypt(3n, EMPTY, frame);
  const { ctr, plaintext } = await bob.decrypt(EMPTY, sframe);
  const ok = Buffer.from(plaintext).equals(Buffer.from(frame));
  console.log(`  ${label.padEnd(18)} ${String(size).padStart(6)} B → ${String(sframe.length).padStart(6)} B  CTR ${ctr}  ${ok ? 'decrypted ✓' : 'MISMATCH ✗'}`);
}
try {
  const sframe = await alice.encrypt(3n, EMPTY, new Uint8Array(10));
  await bob.decrypt(EMPTY, sframe);
  await bob.decrypt(EMPTY, sframe);
} catch (e) {
  console.log(`  the same frame again → rejected: ${e.code}`);
}

// 2. Overhead: header (1 + KID bytes + CTR bytes) + the suite's tag.
const nt = suiteParams(CipherSuite.AES_256_GCM_SHA512_128).nt;
console.log(`\nper-frame overhead with AES_256_GCM_SHA512_128 (header + ${nt}-byte tag):`);
for (const [kid, ctr] of [[3n, 5n], [3n, 200n], [3n, 65_535n], [300n, 65_535n], [2n ** 64n - 1n, 2n ** 64n - 1n]]) {
  const h = encodeHeader(kid, ctr);
  console.log(`  KID ${String(kid).padEnd(20)} CTR ${String(ctr).padEnd(20)} header ${String(h.length).padStart(2)} B  overhead ${h.length + nt} B`);
}

// 3. RFC 9605 Appendix C per-suite vectors. Their KID/CTR (291, 17767) are small, so plain
// JSON.parse is exact for them (the header vectors above 2^53 are not used here).
const file = resolve(root, '../shared/vectors/rfc9605-test-vectors.json');
if (!existsSync(file)) {
  console.log(`\nRFC vectors not found at ${file}; place the shared vectors beside the repository to check them.`);
  process.exit(0);
}
const vectors = JSON.parse(readFileSync(file, 'utf8')).sframe;
console.log('\nRFC 9605 per-suite vectors:');
console.log('  suite                         key  salt nonce aad  seal open');
let failed = 0;
for (const v of vectors) {
  const suite = v.cipher_suite;
  const kid = BigInt(v.kid);
  const ctr = BigInt(v.ctr);
  const { key, salt } = await deriveKeyMaterial(suite, unhex(v.base_key), kid);
  const nonce = unhex(v.sframe_salt);
  const c = unhex(v.ctr.toString(16).padStart(24, '0'));
  for (let i = 0; i < 12; i++) nonce[i] ^= c[i];
  const sealed = await seal({ suite, baseKey: unhex(v.base_key), kid, ctr, metadata: unhex(v.metadata), plaintext: unhex(v.pt) });
  const opened = await open({ suite, baseKey: unhex(v.base_key), metadata: unhex(v.metadata), sframe: unhex(v.ct) });
  const checks = [
    hex(key) === v.sframe_key,
    hex(salt) === v.sframe_salt,
    hex(nonce) === v.nonce,
    hex(encodeHeader(kid, ctr)) + v.metadata === v.aad && decodeHeader(unhex(v.ct)).kid === kid,
    hex(sealed) === v.ct,
    hex(opened.plaintext) === v.pt && opened.ctr === ctr,
  ];
  failed += checks.filter((x) => !x).length;
  const name = Object.entries(CipherSuite).find(([, id]) => id === suite)?.[0] ?? String(suite);
  console.log(`  ${name.padEnd(28)} ${checks.map((x) => (x ? '  ✓  ' : '  ✗  ')).join('')}`);
}
console.log(failed === 0 ? '\nall RFC vectors match ✓' : `\n${failed} vector checks FAILED ✗`);
process.exit(failed === 0 ? 0 : 1);
