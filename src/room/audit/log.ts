/**
 * A participant's append-only, hash-chained, signed log of security events (issue #6 §3).
 *
 * Entries are committed to memory in `append` order (one queue), then handed to the app's sink
 * in the same order. A sink that fails never loses the in-memory entry: the failure is emitted
 * as an `'error'` event with code `'sink-failed'`.
 *
 * @module
 */
import { TypedEmitter } from '../../events.js';
import { AUDIT_FORMAT_VERSION, entryToJson, genesisHash, hashBody, signedMessage, toHex } from './encoding.js';
import type { AuditEntry, AuditEntryBody } from './encoding.js';
import { AuditError } from './errors.js';
import { checkDetails } from './schema.js';
import type { AuditDetails, AuditEventType } from './schema.js';
import type { Ed25519Signer } from './signer.js';

/**
 * Where entries go as they happen (the app's storage or server). Called once per entry, in order;
 * a returned promise is awaited before the next entry is written.
 *
 * @example
 * ```ts
 * const sink: AuditSink = { write: (e) => fetch('/audit', { method: 'POST', body: JSON.stringify(e) }).then(() => {}) };
 * ```
 */
export interface AuditSink {
  /** Store one signed entry (a rejection is reported as a `'sink-failed'` error event). */
  write(entry: AuditEntry): void | Promise<void>;
}

/** Events of an {@link AuditLog}. */
export type AuditLogEvents = {
  /** An entry was committed to the in-memory log. */
  entry: [entry: AuditEntry];
  /** The sink failed for an entry (`code: 'sink-failed'`, the entry's `seq` in the message). */
  error: [error: AuditError];
};

/** Options of {@link AuditLog}. */
export interface AuditLogOptions {
  /** The participant's identity; the log is verifiable with `signer.publicKey`. */
  signer: Ed25519Signer;
  /** Optional persistence / shipping of entries as they happen. */
  sink?: AuditSink;
  /** Clock (ms since the Unix epoch); default `Date.now`. Tests inject their own. */
  now?: () => number;
}

/**
 * The audit trail of one participant.
 *
 * @example
 * ```ts
 * const log = new AuditLog({ signer: ed25519Signer(identitySecretKey) });
 * await log.append('joined', { participantId: me, role: 'participant' });
 * await log.append('logged-off', { participantId: me, reason: 'idle' });
 * const jsonl = log.export();
 * const result = await verifyAuditLog(jsonl, log.publicKey, { expectedLastHash: log.lastHash });
 * ```
 */
export class AuditLog extends TypedEmitter<AuditLogEvents> {
  readonly #signer: Ed25519Signer;
  readonly #sink: AuditSink | undefined;
  readonly #now: () => number;
  readonly #entries: AuditEntry[] = [];
  readonly #publicKey: Uint8Array;
  #tail: Promise<unknown> = Promise.resolve();
  #sinkTail: Promise<void> = Promise.resolve();
  #lastHash: string | undefined;
  #closed = false;

  /** @throws {AuditError} `'invalid-key'` when the signer's public key is not 32 bytes. */
  constructor(options: AuditLogOptions) {
    super();
    if (!(options.signer.publicKey instanceof Uint8Array) || options.signer.publicKey.length !== 32) {
      throw new AuditError('invalid-key', 'an Ed25519 public key is 32 bytes');
    }
    this.#signer = options.signer;
    this.#publicKey = options.signer.publicKey.slice();
    this.#sink = options.sink;
    this.#now = options.now ?? Date.now;
  }

  /** The public key that verifies this log. */
  get publicKey(): Uint8Array {
    return this.#publicKey.slice();
  }

  /** Hash of the last committed entry (anchor it elsewhere to detect a dropped tail); `undefined` when empty. */
  get lastHash(): string | undefined {
    return this.#lastHash;
  }

  /** Number of committed entries. */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * Record a security event. Details are checked against the type's whitelist before anything
   * is signed; concurrent calls are committed in call order.
   *
   * @throws {AuditError} `'unknown-event-type'`, `'details-refused'`, `'invalid-options'` (clock), `'closed'` — as a rejected promise
   * @example
   * ```ts
   * await log.append('epoch-changed', { participantId: me, epoch: 3, reason: 'leave' });
   * ```
   */
  append<T extends AuditEventType>(type: T, details: AuditDetails<T>): Promise<AuditEntry<T>> {
    let checked: AuditDetails<T>;
    let time: number;
    try {
      if (this.#closed) throw new AuditError('closed', 'the audit log is closed');
      checked = checkDetails(type, details);
      time = Math.floor(this.#now());
      if (!Number.isSafeInteger(time) || time < 0) throw new AuditError('invalid-options', 'the audit clock returned an unusable time');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const run = this.#tail.then(() => this.#commit(type, checked, time));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #commit<T extends AuditEventType>(type: T, details: AuditDetails<T>, time: number): Promise<AuditEntry<T>> {
    const prevHash = this.#lastHash ?? (await genesisHash(this.#publicKey));
    const body: AuditEntryBody = { v: AUDIT_FORMAT_VERSION, seq: this.#entries.length, time, type, details, prevHash };
    const hash = await hashBody(body);
    const sig = toHex(this.#signer.sign(signedMessage(hash)));
    const entry = Object.freeze({ ...body, hash, sig }) as AuditEntry<T>;
    this.#entries.push(entry);
    this.#lastHash = hash;
    this.emit('entry', entry);
    if (this.#sink) this.#queueSink(this.#sink, entry);
    return entry;
  }

  #queueSink(sink: AuditSink, entry: AuditEntry): void {
    this.#sinkTail = this.#sinkTail.then(async () => {
      try {
        await sink.write(entry);
      } catch (cause) {
        this.emit('error', new AuditError('sink-failed', `the audit sink failed to write entry ${entry.seq}`, { cause }));
      }
    });
  }

  /** A snapshot of the committed entries, oldest first. */
  entries(): readonly AuditEntry[] {
    return this.#entries.slice();
  }

  /** The committed entries as JSON Lines (one record per line, `\n`-terminated). */
  export(): string {
    return this.#entries.map((e) => entryToJson(e) + '\n').join('');
  }

  /** Resolves when every pending `append` is committed and every sink write has settled. */
  async flush(): Promise<void> {
    await this.#tail;
    await this.#sinkTail;
  }

  /** Stop accepting entries (pending ones still commit). Idempotent; entries stay exportable. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }
}
