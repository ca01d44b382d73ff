/**
 * Chat and files through the Room API (issue #6 §4, §5): sealed per sender under keys from the
 * group key schedule, sent only to members this device keys; a lobby joiner gets nothing, and a
 * late joiner cannot read a message sealed before it joined even when it is handed the bytes.
 */
import { describe, expect, it } from 'vitest';
import { unpackSafeguard } from '../../src/room/host.js';
import type { ChatMessage, FileProgress, ReceivedFile } from '../../src/room/safeguard-types.js';
import { until, type FakePeer } from './fakes.js';
import { party, world, type Party } from './hipaa-helpers.js';

function keyed(ps: Party[]): boolean {
  return ps.every((a) => a.controller.sendKid !== undefined && ps.every((b) => a === b || b.controller.kidsOf(a.id).includes(a.controller.sendKid!)));
}

function chats(p: Party): ChatMessage[] {
  const out: ChatMessage[] = [];
  p.room.on('chat', (m) => out.push(m));
  return out;
}

async function admit(host: Party, joiner: Party): Promise<void> {
  await until(() => host.room.lobby.has(joiner.id), `${joiner.id} waiting`);
  await host.room.admit(joiner.id);
}

describe('room chat', () => {
  it('reaches admitted members only; a late joiner cannot read chat sealed before it joined, even given the bytes', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await admit(host, pat);
    await until(() => keyed([host, pat]), 'keyed');
    const patChats = chats(pat);

    const joe = await party(hub, log, 'joe');
    const joeChats = chats(joe);
    await until(() => host.room.lobby.has('joe'), 'joe waiting');
    expect(await host.room.sendChat('before joe')).toEqual(['pat']);
    await until(() => patChats.length === 1, 'pat got it');
    expect(patChats[0]).toMatchObject({ from: 'host', text: 'before joe' });
    const early = log.data.find((m) => m.from === 'host' && m.to === 'pat' && unpackSafeguard(m.data)?.kind === 'chat')!.data;

    await host.room.admit('joe');
    await until(() => keyed([host, pat, joe]) && joe.room.participants.size === 2, 'joe admitted');
    // Handed the earlier envelope on host's own data channel to joe, joe still cannot open it.
    const hostToJoe = (): FakePeer | undefined => log.peers.find((p) => p.localId === 'host' && p.opts.remoteId === 'joe' && !p.destroyed);
    await until(() => hostToJoe()?.dataOpen === true, 'host→joe channel open');
    hostToJoe()!.sendData(early);
    await until(() => joe.errors.some((e) => e.code === 'unknown-key' || e.code === 'auth-failed'), 'old chat refused');
    expect(joeChats).toEqual([]);

    expect((await host.room.sendChat('after joe')).sort()).toEqual(['joe', 'pat']);
    await until(() => joeChats.length === 1 && patChats.length === 2, 'both got it');
    expect(joeChats[0]).toMatchObject({ from: 'host', text: 'after joe' });
    // Chat took the data channels; the relay never saw the text, not even sealed.
    for (const env of hub.transcript) expect(Buffer.from(env.data).includes(Buffer.from('after joe'))).toBe(false);
    expect(host.sent.some((m) => unpackSafeguard(m.data)?.kind === 'chat')).toBe(false);
    for (const p of [host, pat, joe]) await p.room.leave();
  });
});

describe('room files', () => {
  it('an encrypted file reaches admitted members intact with progress; a lobby joiner gets nothing', async () => {
    const { hub, log } = world();
    const host = await party(hub, log, 'host', { role: 'host' });
    const pat = await party(hub, log, 'pat');
    await admit(host, pat);
    await until(() => keyed([host, pat]), 'keyed');
    const joe = await party(hub, log, 'joe');
    await until(() => host.room.lobby.has('joe'), 'joe waiting');
    const files: ReceivedFile[] = [];
    const joeFiles: ReceivedFile[] = [];
    pat.room.on('file', (f) => files.push(f));
    joe.room.on('file', (f) => joeFiles.push(f));
    const sent: FileProgress[] = [];
    const received: FileProgress[] = [];
    host.room.on('file-progress', (p) => sent.push(p));
    pat.room.on('file-progress', (p) => received.push(p));

    const bytes = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
    expect(await host.room.sendFile(bytes, { name: 'scan.bin', mimeType: 'application/octet-stream' })).toEqual(['pat']);
    await until(() => files.length === 1, 'file received');
    expect(files[0]).toMatchObject({ from: 'host', name: 'scan.bin', size: 100_000 });
    expect(Buffer.from(files[0]!.bytes).equals(Buffer.from(bytes))).toBe(true);
    expect(sent.at(-1)).toMatchObject({ direction: 'sent', bytes: 100_000, totalBytes: 100_000 });
    expect(received.map((p) => p.bytes)).toEqual([...received.map((p) => p.bytes)].sort((a, b) => a - b));
    expect(received.at(-1)?.bytes).toBe(100_000);
    await hub.settle([host.session, pat.session, joe.session]);
    expect(joeFiles).toEqual([]);
    expect(log.data.some((m) => m.to === 'joe')).toBe(false);
    expect(host.sent.some((m) => ['chat', 'file'].includes(unpackSafeguard(m.data)?.kind ?? ''))).toBe(false);
    await until(() => pat.room.audit.entries().some((e) => e.type === 'file-transferred'), 'file audited');
    for (const p of [host, pat, joe]) await p.room.leave();
  });
});
