/**
 * Roles and signed host commands: how a room gets a host over an untrusted relay, and how
 * members tell a real host command from a forged, replayed or misdirected one.
 *
 * A role is granted by the app's server, not claimed: the server signs a *room role grant*
 * with its Ed25519 key (`hostAuthorityKey` on every member), binding room id, the holder's
 * identity key and the role. Holders show their grant to each peer inside the pairwise channel.
 * A host may also make an admitted member co-host, or hand the host role over, by command.
 *
 * Host commands are Ed25519-signed by the issuer's identity key and bound to the room, the
 * issuer's id, a strictly increasing sequence number (milliseconds since the Unix epoch, so it
 * is also a freshness stamp) and, for targeted commands, the target's id and identity key.
 *
 * Safeguard messages share the pairwise channel with WebRTC signal data (UTF-8 JSON, which
 * never starts with a zero byte):
 * ```
 *  0x00 ‖ kind (1 byte) ‖ body
 *    kind 1 role:    role (1 byte: 1 host, 2 co-host) ‖ grant signature (64)
 *                or 3 ‖ role (1 byte) ‖ granting host's key (32) ‖ its grant (64) ‖ signed
 *                   'hand-over'/'co-host' command naming the holder (a delegation, one level deep)
 *    kind 2 command: u16 length ‖ command JSON (UTF-8) ‖ Ed25519 signature (64)
 *    kind 3 passcode message (src/room/passcode)     kind 4 knock (empty: "admit me")
 *    kind 5 chat envelope (src/room/chat)            kind 6 file message (src/room/files)
 *  command JSON = [1, room, op, issuer, seq, target, targetKeyHex, roster, reason]   (fixed order)
 *  signature over "sealrtc/v1/host-command\n" ‖ command JSON
 *  grant signature over "sealrtc/v1/room-role" ‖ lp(room) ‖ lp(identity key) ‖ lp(role)
 * ```
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { SealError } from '../errors.js';
import { concat, lp, utf8Bytes } from '../keys/bytes.js';
import { verifyStrict } from '../keys/identity.js';

/** Roles in a room (issue #6 §1). */
export type RoomRole = 'host' | 'co-host' | 'participant';

/** What a host command does. */
export type HostCommandOp = 'admit' | 'deny' | 'expel' | 'lock' | 'unlock' | 'end' | 'co-host' | 'hand-over';

/**
 * Codes of {@link AccessError}.
 *
 * - `'not-authorized'` — a host command from a peer without a host role, or a host-only call on a non-host.
 * - `'bad-command'` — an undecodable command, a bad signature, another room, a wrong target key.
 * - `'replayed-command'` — a command whose sequence number is not newer than the last one, or stale.
 * - `'room-locked'` — an admission while the room is locked.
 * - `'not-in-lobby'` — `admit`/`deny` for someone not waiting; `expel` for someone not present.
 * - `'passcode-wrong'` / `'rate-limited'` — this device's passcode was refused by the host.
 * - `'bad-role-grant'` — a role grant that does not verify under the app's authority key.
 */
export type AccessErrorCode =
  | 'not-authorized' | 'bad-command' | 'replayed-command' | 'room-locked' | 'not-in-lobby'
  | 'passcode-wrong' | 'rate-limited' | 'bad-role-grant';

/**
 * Access-control failures (roles, host commands, lobby, passcode). Messages never hold keys or passcodes.
 *
 * @example
 * ```ts
 * room.on('error', (e) => { if (e instanceof AccessError && e.code === 'not-authorized') warn(); });
 * ```
 */
export class AccessError extends SealError<AccessErrorCode> {}

/** Safeguard message kinds inside the pairwise channel. */
export const KIND = { role: 1, command: 2, passcode: 3, knock: 4, chat: 5, file: 6 } as const;
export type SafeguardKind = keyof typeof KIND;

/** Wrap a safeguard message for `sendToPeer`. */
export function packSafeguard(kind: SafeguardKind, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(new Uint8Array([0, KIND[kind]]), body);
}

/** The kind and body of a safeguard message, or `undefined` for other room messages (signal data). */
export function unpackSafeguard(bytes: Uint8Array): { kind: SafeguardKind; body: Uint8Array } | undefined {
  if (bytes.length < 2 || bytes[0] !== 0) return undefined;
  const kind = (Object.keys(KIND) as SafeguardKind[]).find((k) => KIND[k] === bytes[1]);
  if (!kind) throw new AccessError('bad-command', 'unknown safeguard message kind');
  return { kind, body: bytes.subarray(2) };
}

/** Lower-case hex of bytes (identity keys in commands and rosters). */
export function keyHex(key: Uint8Array): string {
  return Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('');
}

function grantBytes(roomId: string, publicKey: Uint8Array, role: 'host' | 'co-host'): Uint8Array {
  return concat(utf8Bytes('sealrtc/v1/room-role'), lp(roomId), lp(publicKey), lp(role));
}

/**
 * What the app's server does to make someone host or co-host of one room: sign a role grant
 * with its Ed25519 secret key. Members verify it with the matching `hostAuthorityKey`.
 *
 * @throws never
 * @example
 * ```ts
 * const roleGrant = grantRoomRole('visit-4711', clinician.publicKey, 'host', serverSecretKey);
 * await joinRoom({ roomId: 'visit-4711', identity: clinician, role: 'host', roleGrant, hostAuthorityKey, signaling });
 * ```
 */
export function grantRoomRole(roomId: string, publicKey: Uint8Array, role: 'host' | 'co-host', serverSecretKey: Uint8Array): Uint8Array {
  return ed25519.sign(grantBytes(roomId, publicKey, role), serverSecretKey);
}

/**
 * Check a role grant (strict Ed25519).
 *
 * @throws never
 * @example
 * ```ts
 * if (!verifyRoomRole(grant, roomId, peer.identityKey, 'host', hostAuthorityKey)) reject();
 * ```
 */
export function verifyRoomRole(grant: Uint8Array, roomId: string, publicKey: Uint8Array, role: 'host' | 'co-host', authorityKey: Uint8Array): boolean {
  return verifyStrict(grant, grantBytes(roomId, publicKey, role), authorityKey);
}

/** Encode a role presentation (kind 1 body). */
export function encodeRole(role: 'host' | 'co-host', grant: Uint8Array): Uint8Array {
  return concat(new Uint8Array([role === 'host' ? 1 : 2]), grant);
}

/** A role a host passed on by command, with the proof that host held a server grant. */
export interface Delegation {
  readonly role: 'host' | 'co-host';
  readonly issuerKey: Uint8Array;
  readonly issuerGrant: Uint8Array;
  /** The signed command body (kind 2) naming the holder. */
  readonly command: Uint8Array;
}

/** Encode a delegated role presentation (kind 1 body, first byte 3). */
export function encodeDelegation(d: Delegation): Uint8Array {
  return concat(new Uint8Array([3, d.role === 'host' ? 1 : 2]), d.issuerKey, d.issuerGrant, d.command);
}

/** Decode a role presentation. @throws AccessError `'bad-role-grant'` */
export function decodeRole(body: Uint8Array): { role: 'host' | 'co-host'; grant: Uint8Array } | Delegation {
  if (body[0] === 3 && body.length > 2 + 32 + 64 && (body[1] === 1 || body[1] === 2)) {
    return { role: body[1] === 1 ? 'host' : 'co-host', issuerKey: body.slice(2, 34), issuerGrant: body.slice(34, 98), command: body.slice(98) };
  }
  if (body.length !== 65 || (body[0] !== 1 && body[0] !== 2)) throw new AccessError('bad-role-grant', 'malformed role presentation');
  return { role: body[0] === 1 ? 'host' : 'co-host', grant: body.slice(1) };
}

/**
 * Check a delegation presented by `holderId`/`holderKey`: the granting host's server grant,
 * its signature on the command, and that the command names this holder in this room.
 */
export function verifyDelegation(d: Delegation, roomId: string, holderId: string, holderKey: Uint8Array, authorityKey: Uint8Array): boolean {
  if (!verifyRoomRole(d.issuerGrant, roomId, d.issuerKey, 'host', authorityKey)) return false;
  let cmd: HostCommand;
  try {
    cmd = openCommand(d.command, d.issuerKey);
  } catch {
    return false; // an undecodable or forged command is simply not a proof
  }
  const op = d.role === 'host' ? 'hand-over' : 'co-host';
  return cmd.room === roomId && cmd.op === op && cmd.target === holderId && cmd.targetKey === keyHex(holderKey);
}

/** A host command as signed. `roster` (admit only): `id:identityKeyHex` of members the target may key. */
export interface HostCommand {
  readonly room: string;
  readonly op: HostCommandOp;
  readonly issuer: string;
  readonly seq: number;
  readonly target: string;
  readonly targetKey: string;
  readonly roster: readonly string[];
  /** Deny only: why (`''` otherwise). */
  readonly reason: '' | 'host-denied' | 'locked' | 'passcode-wrong';
}

const OPS: readonly HostCommandOp[] = ['admit', 'deny', 'expel', 'lock', 'unlock', 'end', 'co-host', 'hand-over'];
const CMD_LABEL = utf8Bytes('sealrtc/v1/host-command\n');
const MAX_COMMAND_BYTES = 32_768;

/** Sign and encode a command (kind 2 body). @throws never */
export function signCommand(cmd: HostCommand, signer: { sign(message: Uint8Array): Uint8Array }): Uint8Array {
  const json = utf8Bytes(JSON.stringify([1, cmd.room, cmd.op, cmd.issuer, cmd.seq, cmd.target, cmd.targetKey, cmd.roster, cmd.reason]));
  if (json.length > MAX_COMMAND_BYTES) throw new AccessError('bad-command', 'command too large');
  return concat(new Uint8Array([json.length >> 8, json.length & 0xff]), json, signer.sign(concat(CMD_LABEL, json)));
}

/**
 * Decode a command and check its signature against the issuer's authenticated identity key.
 * Role, room, sequence and target checks are the caller's ({@link HostAuthority}).
 *
 * @throws AccessError `'bad-command'`
 */
export function openCommand(body: Uint8Array, issuerKey: Uint8Array): HostCommand {
  const bad = (why: string): AccessError => new AccessError('bad-command', `host command rejected: ${why}`);
  if (body.length < 2) throw bad('truncated');
  const n = (body[0]! << 8) | body[1]!;
  if (body.length !== 2 + n + 64) throw bad('length');
  const json = body.subarray(2, 2 + n);
  if (!verifyStrict(body.subarray(2 + n), concat(CMD_LABEL, json), issuerKey)) throw bad('signature');
  let a: unknown;
  try {
    a = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (cause) {
    throw new AccessError('bad-command', 'host command rejected: not JSON', { cause });
  }
  const str = (v: unknown): v is string => typeof v === 'string' && v.length <= 256;
  if (!Array.isArray(a) || a.length !== 9 || a[0] !== 1) throw bad('shape');
  const [, room, op, issuer, seq, target, targetKey, roster, reason] = a as unknown[];
  if (!str(room) || !OPS.includes(op as HostCommandOp) || !str(issuer) || !Number.isSafeInteger(seq) || (seq as number) < 0) throw bad('fields');
  if (!str(target) || !str(targetKey) || !Array.isArray(roster) || roster.length > 512 || !roster.every(str)) throw bad('fields');
  if (reason !== '' && reason !== 'host-denied' && reason !== 'locked' && reason !== 'passcode-wrong') throw bad('reason');
  return { room, op: op as HostCommandOp, issuer, seq: seq as number, target, targetKey, roster: roster as string[], reason };
}

/** Ops only the host (not a co-host) may issue. */
const HOST_ONLY: ReadonlySet<HostCommandOp> = new Set(['co-host', 'hand-over', 'end']);
/** How far a command's sequence stamp may be from this device's clock. */
export const COMMAND_MAX_SKEW_MS = 5 * 60_000;

/**
 * Who holds which role, and the replay state of host commands, as this member sees it.
 *
 * @example
 * ```ts
 * const auth = new HostAuthority(roomId);
 * auth.roles.set(peerId, 'host');            // after verifyRoomRole
 * const cmd = auth.accept(peerId, peer.identityKey, body);   // throws AccessError
 * ```
 */
export class HostAuthority {
  /** Verified roles by participant id (absent = participant). */
  readonly roles = new Map<string, 'host' | 'co-host'>();
  readonly #lastSeq = new Map<string, number>();
  #mySeq = 0;

  constructor(readonly roomId: string, readonly now: () => number = Date.now) {}

  /** The next sequence stamp for a command this device issues (strictly increasing). */
  nextSeq(): number {
    this.#mySeq = Math.max(this.#mySeq + 1, Math.floor(this.now()));
    return this.#mySeq;
  }

  /**
   * Accept a command received from `fromId` over its pairwise channel, or throw.
   *
   * @throws AccessError `'bad-command'`, `'not-authorized'`, `'replayed-command'`
   */
  accept(fromId: string, fromKey: Uint8Array, body: Uint8Array): HostCommand {
    return this.authorize(fromId, fromKey, openCommand(body, fromKey));
  }

  /**
   * The checks of {@link accept} on a command already opened with `openCommand` (so that a
   * caller knows what was refused).
   *
   * @throws AccessError `'bad-command'`, `'not-authorized'`, `'replayed-command'`
   */
  authorize(fromId: string, fromKey: Uint8Array, cmd: HostCommand): HostCommand {
    if (cmd.room !== this.roomId) throw new AccessError('bad-command', 'host command for another room');
    if (cmd.issuer !== fromId) throw new AccessError('bad-command', 'host command relayed by someone else');
    const role = this.roles.get(fromId);
    if (!role || (HOST_ONLY.has(cmd.op) && role !== 'host')) throw new AccessError('not-authorized', `'${cmd.op}' from a participant without that role`);
    const key = `${fromId}|${keyHex(fromKey)}`;
    const last = this.#lastSeq.get(key) ?? 0;
    if (cmd.seq <= last || Math.abs(this.now() - cmd.seq) > COMMAND_MAX_SKEW_MS) throw new AccessError('replayed-command', 'host command replayed or stale');
    this.#lastSeq.set(key, cmd.seq);
    return cmd;
  }
}
