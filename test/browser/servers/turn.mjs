/**
 * Starts Debian's coturn (`turnserver`) on 127.0.0.1 for relay-only ICE tests: one static
 * long-term-credential user, loopback peers allowed (everything here is loopback), no TLS, no
 * CLI, logs to a temp file. The process is ended by the `stop()` it returns (by its own pid).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort() {
  const srv = createServer();
  await new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(undefined)));
  const address = srv.address();
  await new Promise((ok) => srv.close(() => ok(undefined)));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** @param {number} port @returns {Promise<boolean>} */
function stunPing(port) {
  const req = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
  const sock = createSocket('udp4');
  return new Promise((ok) => {
    const done = (/** @type {boolean} */ v) => {
      clearTimeout(timer);
      sock.close();
      ok(v);
    };
    const timer = setTimeout(() => done(false), 100);
    sock.on('message', (m) => done(m.length >= 20 && m.subarray(8, 20).equals(req.subarray(8, 20))));
    sock.on('error', () => done(false));
    sock.send(req, port, '127.0.0.1');
  });
}

/**
 * @returns {Promise<{ iceServers: RTCIceServer[], log: () => string, stop: () => Promise<void> }>}
 */
export async function startTurn() {
  const bin = process.env.TURNSERVER_PATH || '/usr/sbin/turnserver';
  const exe = existsSync(bin) ? bin : '/usr/bin/turnserver';
  if (!existsSync(exe)) throw new Error('coturn is missing: apt-get install -y coturn');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sealrtc-turn-'));
  const logFile = join(dir, 'turn.log');
  const minPort = 40000 + Math.floor(Math.random() * 10000);
  const child = spawn(exe, [
    '-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${minPort}`, `--max-port=${minPort + 200}`,
    '--lt-cred-mech', '--user=sealrtc:test-only-turn-secret', '--realm=sealrtc.test',
    '--allow-loopback-peers', '-v', '--no-tls', '--no-dtls', '--no-cli', '--no-stdout-log', '--simple-log',
    `--log-file=${logFile}`, `--pidfile=${join(dir, 'turn.pid')}`, '--fingerprint',
  ], { stdio: 'ignore' });
  const exited = new Promise((ok) => child.once('exit', ok));
  const log = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return ''; // not written yet
    }
  };
  // Wait (bounded) until it answers a STUN Binding request (RFC 5389 §6: type 0x0001, length 0,
  // magic cookie 0x2112A442, 96-bit transaction id).
  let ready = false;
  for (let i = 0; i < 50 && !ready; i++) {
    if (child.exitCode !== null) throw new Error(`turnserver exited: ${log()}`);
    ready = await stunPing(port);
  }
  if (!ready) {
    child.kill('SIGTERM');
    throw new Error(`turnserver did not answer STUN on 127.0.0.1:${port}: ${log()}`);
  }
  return {
    iceServers: [{ urls: [`turn:127.0.0.1:${port}?transport=udp`], username: 'sealrtc', credential: 'test-only-turn-secret' }],
    log,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
