/**
 * Test helpers for the relay and the WebSocket client: a relay on a free loopback port with
 * captured logs, a raw envelope-speaking client, a TCP proxy that can drop or black-hole
 * connections, and a bounded `until` for waiting on conditions (no timed assertions).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../src/relay/index.js';
import {
  decodeRelayFrame, encodeClientFrame, type ClientFrame, type RelayFrame,
} from '../../src/signaling/envelope.js';
import { WebSocketSignaling, type WebSocketSignalingOptions } from '../../src/signaling/websocket.js';

export { WebSocket };

/** Poll `cond` every 10 ms; fail after `ms` (a bound, not an assertion on speed). */
export async function until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface TestRelay extends RelayServer {
  logs: string[];
}

export async function startRelay(opts: RelayServerOptions = {}): Promise<TestRelay> {
  const logs: string[] = [];
  const relay = await createRelayServer({ port: 0, logLevel: 'debug', logSink: (l) => logs.push(l), ...opts });
  return Object.assign(relay, { logs });
}

export function connect(relayUrl: string | string[], o: Partial<WebSocketSignalingOptions> = {}): Promise<WebSocketSignaling> {
  return WebSocketSignaling.connect({
    url: relayUrl, roomId: 'room-1', WebSocket, connectTimeoutMs: 5_000, heartbeatMs: 1_000, ...o,
  });
}

/** A client speaking raw envelopes, for bad-input tests. */
export class RawClient {
  readonly frames: RelayFrame[] = [];
  closeCode: number | undefined;
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (d: Buffer) => this.frames.push(decodeRelayFrame(new Uint8Array(d))));
    this.ws.on('close', (code) => (this.closeCode = code));
    this.ws.on('error', () => undefined);
  }
  send(f: ClientFrame): void {
    this.ws.send(encodeClientFrame(f));
  }
  async join(room = 'room-1', peer = '', token = ''): Promise<Extract<RelayFrame, { t: 'welcome' }>> {
    await this.opened;
    this.send({
      t: 'join', room, peer, token: new TextEncoder().encode(token),
      resumeKey: crypto.getRandomValues(new Uint8Array(16)), instance: crypto.getRandomValues(new Uint8Array(8)),
      lastDeliverySeq: 0,
    });
    await until(() => this.frames.some((f) => f.t === 'welcome' || (f.t === 'error' && f.fatal)) || this.closeCode !== undefined, 5_000, 'welcome');
    const w = this.frames.find((f) => f.t === 'welcome');
    if (!w || w.t !== 'welcome') throw new Error(`join refused: ${JSON.stringify(this.errors())}`);
    return w;
  }
  errors(): { code: string; fatal: boolean; seq: number }[] {
    return this.frames.flatMap((f) => (f.t === 'error' ? [{ code: f.code, fatal: f.fatal, seq: f.seq }] : []));
  }
  delivered(): Extract<RelayFrame, { t: 'deliver' }>[] {
    return this.frames.flatMap((f) => (f.t === 'deliver' ? [f] : []));
  }
  async closed(): Promise<number> {
    await until(() => this.closeCode !== undefined, 5_000, 'close');
    return this.closeCode as number;
  }
}

/** A loopback TCP proxy in front of the relay that can cut or black-hole its connections. */
export class Proxy {
  readonly server: Server;
  readonly pairs = new Set<[Socket, Socket]>();
  blocked = false;
  blackholed = false;
  drops = 0;
  constructor(readonly targetPort: number) {
    this.server = createServer((client) => {
      if (this.blocked) return void client.destroy();
      const upstream = new (client.constructor as typeof Socket)();
      upstream.connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const fwd = (from: Socket, to: Socket): void => {
        from.on('data', (d) => {
          if (!this.blackholed) to.write(d);
        });
      };
      fwd(client, upstream);
      fwd(upstream, client);
      const end = (): void => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    if (!a || typeof a === 'string') throw new Error('no address');
    return `ws://127.0.0.1:${a.port}`;
  }
  /** Cut every proxied TCP connection (like a network drop). */
  dropAll(): void {
    for (const [c, u] of this.pairs) {
      c.destroy();
      u.destroy();
    }
    this.pairs.clear();
    this.drops++;
  }
  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
