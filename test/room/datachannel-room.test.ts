/**
 * Chat and files over the mesh peers' data channels (issue #6 §4): nothing goes through the relay
 * (no fallback), a closed channel queues until it opens or the member leaves, file chunks respect
 * back-pressure and fit SCTP, and a message is bound to the connection it arrived on.
 */
import { describe, expect, it } from 'vitest';
import { ChatError } from '../../src/room/chat/index.js';
import { packSafeguard, unpackSafeguard } from '../../src/room/host.js';
import type { ChatMessage, ReceivedFile } from '../../src/room/safeguard-types.js';
import { until, type FakePeer, type FakeRtcLog } from './fakes.js';
import { party, world, type Party } from './hipaa-helpers.js';

const link = (log: FakeRtcLog, from: string, to: string): FakePeer | undefined =>
  log.peers.find((p) => p.localId === from && p.opts.remoteId === to && !p.destroyed);

function keyed(ps: Party[]): boolean {
  return ps.every((a) => a.controller.sendKid !== undefined && ps.every((b) => a === b || b.controller.kidsOf(a.id).includes(a.controller.sendKid!)));
}

async function pair(opts: Parameters<typeof party>[3] = {}): Promise<{ log: FakeRtcLog; host: Party; pat: Party; hub: ReturnType<typeof world>['hub'] }> {
  const { hub, log } = world();
  const host = await party(hub, log, 'host', { role: 'host', ...opts });
  const pat = await party(hub, log, 'pat', opts);
  await until(() => host.room.lobby.has('pat'), 'pat waiting');
  await host.room.admit('pat');
  await until(() => keyed([host, pat]), 'keyed');
  return { hub, log, host, pat };
}

describe('room data channels', () => {
  it('queue chat while a member\'s channel is closed and deliver it on open, never through the relay', async () => {
    const { hub, log } = world();
    log.holdData = true;
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await until(() => host.room.lobby.has('pat'), 'pat waiting');
    await host.room.admit('pat');
    await until(() => keyed([host, pat]) && link(log, 'host', 'pat') !== undefined, 'keyed');
    const got: ChatMessage[] = [];
    pat.room.on('chat', (m) => got.push(m));
    expect(await host.room.sendChat('waits for the channel')).toEqual(['pat']);
    await hub.settle([host.session, pat.session]);
    expect(log.data).toEqual([]);
    expect(got).toEqual([]);
    expect(host.sent.some((m) => unpackSafeguard(m.data)?.kind === 'chat')).toBe(false);
    log.holdData = false;
    for (const p of log.peers) p.release();
    await until(() => got.length === 1, 'delivered on open');
    expect(got[0]).toMatchObject({ from: 'host', text: 'waits for the channel' });
    for (const p of [host, pat]) await p.room.leave();
  });

  it('drops a queued message with peer-failed when the member leaves before its channel opens', async () => {
    const { hub, log } = world();
    log.holdData = true;
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await until(() => host.room.lobby.has('pat'), 'pat waiting');
    await host.room.admit('pat');
    await until(() => keyed([host, pat]) && link(log, 'host', 'pat') !== undefined, 'keyed');
    await host.room.sendChat('never sent');
    await pat.room.leave();
    await until(() => host.errors.some((e) => e.code === 'peer-failed'), 'queued message failed');
    expect(log.data).toEqual([]);
    expect(hub.transcript.some((e) => Buffer.from(e.data).includes(Buffer.from('never sent')))).toBe(false);
    await host.room.leave();
  });

  it('sends file chunks that fit SCTP and waits while the channel buffer is above the high-water mark', async () => {
    const { log, host, pat } = await pair({ dataChannel: { highWaterBytes: 64 * 1024 } });
    await until(() => link(log, 'host', 'pat')?.dataOpen === true, 'open');
    const files: ReceivedFile[] = [];
    pat.room.on('file', (f) => files.push(f));
    const wire = link(log, 'host', 'pat')!;
    wire.buffered = 1024 * 1024; // the channel is "full"
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7 + 3) & 0xff);
    const sending = host.room.sendFile(bytes, { name: 'x.bin' });
    // The offer may be waiting too; nothing goes out while the buffer stays high.
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 1));
    expect(log.data.filter((m) => m.from === 'host')).toEqual([]);
    wire.buffered = 0;
    expect(await sending).toEqual(['pat']);
    await until(() => files.length === 1, 'file received');
    expect(Buffer.from(files[0]!.bytes).equals(Buffer.from(bytes))).toBe(true);
    const sizes = log.data.filter((m) => m.from === 'host').map((m) => m.data.length);
    expect(sizes.length).toBeGreaterThan(300_000 / (64 * 1024));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    for (const p of [host, pat]) await p.room.leave();
  });

  it('gives up on a channel that never drains (bounded) and reports peer-failed', async () => {
    const { log, host, pat } = await pair({ dataChannel: { drainTimeoutMs: 50 } });
    await until(() => link(log, 'host', 'pat')?.dataOpen === true, 'open');
    link(log, 'host', 'pat')!.buffered = 64 * 1024 * 1024;
    expect(await host.room.sendFile(new Uint8Array(10_000))).toEqual([]);
    expect(host.errors.some((e) => e.code === 'peer-failed')).toBe(true);
    for (const p of [host, pat]) await p.room.leave();
  });

  it('refuses a member\'s queue beyond maxQueued', async () => {
    const { hub, log } = world();
    log.holdData = true;
    const host = await party(hub, log, 'host', { role: 'host', dataChannel: { maxQueued: 2 } });
    const pat = await party(hub, log, 'pat');
    await until(() => host.room.lobby.has('pat'), 'pat waiting');
    await host.room.admit('pat');
    await until(() => keyed([host, pat]), 'keyed');
    for (const t of ['a', 'b', 'c']) await host.room.sendChat(t);
    await until(() => host.errors.some((e) => e.code === 'peer-failed'), 'queue full');
    for (const p of [host, pat]) await p.room.leave();
  });

  it('binds data to its connection: an envelope sealed by another member is refused (wrong-sender)', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    const joe = await party(hub, log, 'joe');
    for (const j of [pat, joe]) {
      await until(() => host.room.lobby.has(j.id), `${j.id} waiting`);
      await host.room.admit(j.id);
    }
    await until(() => keyed([host, pat, joe]) && link(log, 'pat', 'joe')?.dataOpen === true, 'keyed');
    const joeChats: ChatMessage[] = [];
    const patChats: ChatMessage[] = [];
    joe.room.on('chat', (m) => joeChats.push(m));
    pat.room.on('chat', (m) => patChats.push(m));
    // host's channel to joe is "full", so pat has host's envelope before joe does.
    link(log, 'host', 'joe')!.buffered = 64 * 1024 * 1024;
    await host.room.sendChat('from host');
    await until(() => patChats.length === 1, 'pat got it');
    // pat relays host's genuine envelope on pat's own channel to joe: joe must not take it as pat's.
    const sealed = log.data.find((m) => m.from === 'host' && m.to === 'pat' && unpackSafeguard(m.data)?.kind === 'chat')!.data;
    link(log, 'pat', 'joe')!.sendData(sealed);
    await until(() => joe.errors.some((e) => e instanceof ChatError && e.code === 'wrong-sender'), 'refused');
    expect(joeChats).toEqual([]);
    // The refused copy did not spend the message: the genuine one still opens.
    link(log, 'host', 'joe')!.buffered = 0;
    await until(() => joeChats.length === 1, 'genuine delivered');
    expect(joeChats[0]).toMatchObject({ from: 'host', text: 'from host' });
    expect(joe.errors.filter((e) => e.code === 'replay')).toEqual([]);
    for (const p of [host, pat, joe]) await p.room.leave();
  });

  it('refuses chat through the relay and anything but chat/files on the data channel', async () => {
    const { log, host, pat } = await pair();
    await until(() => link(log, 'host', 'pat')?.dataOpen === true, 'open');
    const got: ChatMessage[] = [];
    pat.room.on('chat', (m) => got.push(m));
    await host.room.sendChat('genuine');
    await until(() => got.length === 1, 'delivered');
    const sealed = log.data.find((m) => m.from === 'host' && unpackSafeguard(m.data)?.kind === 'chat')!.data;
    host.session.sendToPeer('pat', sealed); // the same envelope, through the relay
    await until(() => pat.errors.some((e) => e instanceof ChatError && e.code === 'wrong-sender'), 'relay path refused');
    link(log, 'host', 'pat')!.sendData(packSafeguard('knock'));
    await until(() => pat.errors.some((e) => e instanceof ChatError && e.code === 'malformed-message'), 'kind refused');
    expect(got).toHaveLength(1);
    for (const p of [host, pat]) await p.room.leave();
  });
});
