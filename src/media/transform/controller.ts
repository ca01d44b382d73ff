/**
 * `E2EEController`: the main-thread half of sealrtc's media encryption.
 *
 * It owns one transform worker for all tracks of a room, attaches encoded transforms to senders
 * and receivers with whichever API the platform offers, and forwards keys from the group key
 * schedule (it is a `MediaKeySink`). It never sees a frame.
 *
 * @module
 */
import { TypedEmitter } from '../../events.js';
import { availableEncodedTransforms, detectPlatform, type EncodedTransformApi } from '../../platform/index.js';
import { E2EEError, type E2EEErrorCode } from './errors.js';
import {
  TRANSFORM_PROTOCOL_VERSION,
  isFromWorker,
  type E2EEParticipantStats,
  type FromWorker,
  type ReceiveState,
  type ToWorker,
  type TransformOptions,
} from './protocol.js';
import { watchSender } from './watchdog.js';
import { WORKER_SOURCE } from './worker-source.js';

/** Events of {@link E2EEController}. */
export type E2EEControllerEvents = {
  /** A participant's frames started decrypting, or keep failing. */
  'receive-state': [participantId: string, state: ReceiveState];
  /** The worker reported a failure (no key or frame bytes in it). */
  error: [error: E2EEError];
};

/** Options of {@link E2EEController.create}. */
export interface E2EEControllerOptions {
  /** An app-created worker running the `sealrtc/worker` entry (strict CSP). Not terminated by `close()`. */
  worker?: Worker;
  /** SFrame cipher suite (RFC 9605 §4.5); default AES_256_GCM_SHA512_128 (0x0005). */
  suite?: number;
  /** Force one encoded-transform API (tests, or working around a browser bug). Default: detected. */
  api?: EncodedTransformApi;
  /** How long to wait for the worker's handshake. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
}

type LegacyEndpoint = { createEncodedStreams(): { readable: ReadableStream<unknown>; writable: WritableStream<unknown> } };
type Endpoint = RTCRtpSender | RTCRtpReceiver;

function checkKid(kid: bigint): void {
  if (typeof kid !== 'bigint' || kid < 0n || kid > 0xffff_ffff_ffff_ffffn) throw new E2EEError('invalid-argument', 'KID must be a bigint in [0, 2^64)');
}
function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength < 16) throw new E2EEError('invalid-argument', 'base key must be a Uint8Array of at least 16 bytes');
}

function errorCode(code: string): E2EEErrorCode {
  return code === 'kid-conflict' || code === 'key-rejected' || code === 'invalid-argument' ? code : 'worker-failed';
}

/**
 * Encrypts what this endpoint sends and decrypts what it receives, in one worker.
 * Implements the key schedule's `MediaKeySink` (`setSendKey`, `addReceiveKey`, `removeKey`).
 *
 * @example
 * ```ts
 * const e2ee = await E2EEController.create();
 * const pc = new RTCPeerConnection({ ...e2ee.rtcConfig, iceServers });
 * const sender = pc.addTrack(track, stream);
 * e2ee.attachSender(sender);
 * e2ee.attachReceiver(pc.getTransceivers().find((t) => t.sender === sender)!.receiver, remoteId);
 * e2ee.setSendKey(1n, myKey);
 * e2ee.addReceiveKey(remoteId, 2n, theirKey);
 * ```
 */
export class E2EEController {
  /** Extra `RTCConfiguration` fields the chosen API needs (spread them into every peer connection). */
  readonly rtcConfig: Partial<RTCConfiguration>;
  /** The encoded-transform API in use. */
  readonly api: EncodedTransformApi;
  readonly #worker: Worker;
  readonly #ownsWorker: boolean;
  readonly #events = new TypedEmitter<E2EEControllerEvents>();
  readonly #ids = new WeakMap<Endpoint, number>();
  readonly #endpoints = new Map<number, { endpoint: WeakRef<Endpoint>; participantId: string }>();
  readonly #pendingStats = new Map<number, (m: Extract<FromWorker, { kind: 'stats' }> | undefined) => void>();
  #nextId = 1;
  #closed = false;

  private constructor(worker: Worker, ownsWorker: boolean, api: EncodedTransformApi) {
    this.#worker = worker;
    this.#ownsWorker = ownsWorker;
    this.api = api;
    this.rtcConfig = api === 'encoded-streams' ? ({ encodedInsertableStreams: true } as Partial<RTCConfiguration>) : {};
    worker.addEventListener('message', (e) => {
      if (isFromWorker(e.data)) this.#onMessage(e.data);
    });
    worker.addEventListener('error', () => {
      this.#events.emit('error', new E2EEError('worker-failed', 'the transform worker crashed'));
    });
  }

  /**
   * Feature-detects the encoded-transform API, starts (or adopts) the worker and handshakes.
   *
   * @throws E2EEError `'e2ee-unsupported'` when the browser has no encoded-transform API or no Worker;
   *   `'worker-unavailable'` when no worker can be started or it does not answer the handshake.
   * @example
   * ```ts
   * const e2ee = await E2EEController.create();            // bundled worker, zero config
   * const e2eeCsp = await E2EEController.create({ worker: new Worker('/sealrtc-worker.js') });
   * ```
   */
  static async create(opts: E2EEControllerOptions = {}): Promise<E2EEController> {
    const platform = detectPlatform();
    const api = opts.api ?? platform.encodedTransform;
    if (api === undefined || !availableEncodedTransforms().includes(api) || (!opts.worker && !platform.worker)) {
      throw new E2EEError('e2ee-unsupported', 'this browser cannot transform encoded media frames, so E2EE is impossible');
    }
    let worker = opts.worker;
    let url: string | undefined;
    if (!worker) {
      if (WORKER_SOURCE === undefined) {
        throw new E2EEError('worker-unavailable', 'sealrtc is running unbundled: pass { worker } running the sealrtc/worker entry');
      }
      url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      try {
        worker = new Worker(url, { name: 'sealrtc-e2ee' });
      } catch (cause) {
        URL.revokeObjectURL(url);
        throw new E2EEError('worker-unavailable', 'the transform worker could not be started (CSP?); pass { worker }', { cause });
      }
    }
    const controller = new E2EEController(worker, opts.worker === undefined, api);
    try {
      await controller.#handshake(opts.suite, opts.handshakeTimeoutMs ?? 10_000);
    } catch (e) {
      controller.close();
      throw e;
    } finally {
      if (url) URL.revokeObjectURL(url);
    }
    return controller;
  }

  #handshake(suite: number | undefined, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new E2EEError('worker-unavailable', 'the transform worker did not answer; is it running sealrtc/worker?'));
      }, timeoutMs);
      const onMessage = (e: MessageEvent): void => {
        const m: unknown = e.data;
        if (isFromWorker(m) && m.kind === 'error') {
          off();
          reject(new E2EEError(errorCode(m.code), `the transform worker refused to start: ${m.message}`));
          return;
        }
        if (!isFromWorker(m) || m.kind !== 'ready') return;
        off();
        if (m.version === TRANSFORM_PROTOCOL_VERSION) resolve();
        else reject(new E2EEError('worker-unavailable', 'the worker runs a different sealrtc version'));
      };
      // A worker blocked by CSP or failing to load fires 'error' instead of throwing.
      const onError = (): void => {
        off();
        reject(new E2EEError('worker-unavailable', 'the transform worker failed to load (CSP?); pass { worker }'));
      };
      const off = (): void => {
        clearTimeout(timer);
        this.#worker.removeEventListener('message', onMessage);
        this.#worker.removeEventListener('error', onError);
      };
      this.#worker.addEventListener('message', onMessage);
      this.#worker.addEventListener('error', onError);
      this.#send({ kind: 'init', suite });
    });
  }

  /**
   * Encrypts everything `sender` sends. Call right after `addTrack` / `addTransceiver` (before
   * negotiation); `replaceTrack` keeps the transform. Attaching the same sender twice is a no-op.
   *
   * @throws E2EEError `'closed'`; `'attach-failed'` when the browser refuses (e.g. the legacy API
   *   without `rtcConfig` on the peer connection).
   * @example
   * ```ts
   * e2ee.attachSender(pc.addTrack(track, stream));
   * ```
   */
  attachSender(sender: RTCRtpSender): void {
    if (this.#ids.has(sender)) return;
    this.#attach(sender, 'sender', '');
    const id = this.#ids.get(sender) ?? 0;
    watchSender(sender, {
      closed: () => this.#closed,
      seen: async () => (await this.#requestStats())?.seen.find(([i]) => i === id)?.[1],
      report: (error) => this.#events.emit('error', error),
    });
  }

  /**
   * Decrypts what `receiver` gets; only frames under one of `participantId`'s KIDs pass. Call when
   * the transceiver is created (after `addTrack`, or right after applying the remote offer) —
   * never first in the `track` event, where Chromium silently bypasses the transform.
   * Calling again with another participant rebinds the receiver.
   *
   * @throws E2EEError `'closed'`, `'invalid-argument'`, `'attach-failed'`
   * @example
   * ```ts
   * for (const t of pc.getTransceivers()) e2ee.attachReceiver(t.receiver, remoteId);
   * ```
   */
  attachReceiver(receiver: RTCRtpReceiver, participantId: string): void {
    if (typeof participantId !== 'string') throw new E2EEError('invalid-argument', 'participantId must be a string');
    const id = this.#ids.get(receiver);
    if (id === undefined) return this.#attach(receiver, 'receiver', participantId);
    const entry = this.#endpoints.get(id);
    if (entry && entry.participantId !== participantId) {
      entry.participantId = participantId;
      this.#send({ kind: 'bind-receiver', id, participantId });
    }
  }

  #attach(endpoint: Endpoint, role: TransformOptions['role'], participantId: string): void {
    this.#assertOpen();
    const id = this.#nextId++;
    const options: TransformOptions = { sealrtc: TRANSFORM_PROTOCOL_VERSION, id, role, participantId };
    try {
      if (this.api === 'script-transform') {
        endpoint.transform = new RTCRtpScriptTransform(this.#worker, options);
      } else {
        const { readable, writable } = (endpoint as unknown as LegacyEndpoint).createEncodedStreams();
        this.#send({ kind: 'attach-streams', options, readable, writable }, [readable, writable]);
      }
    } catch (cause) {
      throw new E2EEError('attach-failed', `the browser refused the ${role} transform`, { cause });
    }
    this.#ids.set(endpoint, id);
    this.#endpoints.set(id, { endpoint: new WeakRef(endpoint), participantId });
  }

  /**
   * From now on, seal outgoing frames under `kid` / `baseKey` (RFC 9605 §4.4.2). Until the worker
   * holds a send key, outgoing frames are dropped. The caller keeps (and zeroes) its own copy.
   *
   * @throws E2EEError `'closed'`, `'invalid-argument'`; a key the worker cannot import is reported
   *   asynchronously as an `'error'` event with code `'key-rejected'`.
   * @example
   * ```ts
   * e2ee.setSendKey(7n, crypto.getRandomValues(new Uint8Array(32)));
   * ```
   */
  setSendKey(kid: bigint, baseKey: Uint8Array): void {
    this.#assertOpen();
    checkKid(kid);
    checkKey(baseKey);
    this.#send({ kind: 'set-send-key', kid, baseKey });
  }

  /**
   * Accept incoming frames under `kid` from `participantId` only.
   *
   * @throws E2EEError `'closed'`, `'invalid-argument'`; `'kid-conflict'` / `'key-rejected'` arrive as `'error'` events.
   * @example
   * ```ts
   * e2ee.addReceiveKey('alice', 9n, aliceKey);
   * ```
   */
  addReceiveKey(participantId: string, kid: bigint, baseKey: Uint8Array): void {
    this.#assertOpen();
    if (typeof participantId !== 'string') throw new E2EEError('invalid-argument', 'participantId must be a string');
    checkKid(kid);
    checkKey(baseKey);
    this.#send({ kind: 'add-receive-key', participantId, kid, baseKey });
  }

  /**
   * Forget the key `kid` (retired epoch, departed participant); the worker zeroes it. If it was
   * the send key, outgoing frames are dropped until the next `setSendKey`.
   *
   * @throws E2EEError `'invalid-argument'`. After `close()` this is a no-op (every key is gone already).
   * @example
   * ```ts
   * e2ee.removeKey(7n);
   * ```
   */
  removeKey(kid: bigint): void {
    checkKid(kid);
    if (this.#closed) return;
    this.#send({ kind: 'remove-key', kid });
  }

  /**
   * Per participant frame counters; key `''` is what this endpoint sends. Empty after `close()`.
   *
   * @throws never
   * @example
   * ```ts
   * const s = (await e2ee.getStats()).get('alice');
   * console.log(s?.framesDecrypted, s?.framesFailed);
   * ```
   */
  getStats(): Promise<Map<string, E2EEParticipantStats>> {
    return this.#requestStats().then((m) => new Map((m?.stats ?? []).map((s) => [s.participantId, s])));
  }

  #requestStats(): Promise<Extract<FromWorker, { kind: 'stats' }> | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const requestId = this.#nextId++;
    return new Promise((resolve) => {
      this.#pendingStats.set(requestId, resolve);
      this.#send({ kind: 'get-stats', requestId });
    });
  }

  /**
   * Subscribe to `'receive-state'` (`'decrypting'` once a participant's frames really open under
   * its keys, `'failing'` on sustained failures) or `'error'`. Returns the unsubscribe function.
   *
   * @throws never
   * @example
   * ```ts
   * const off = e2ee.on('receive-state', (id, state) => console.log(id, state));
   * ```
   */
  on<K extends keyof E2EEControllerEvents>(event: K, listener: (...args: E2EEControllerEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /**
   * Stops everything: the worker zeroes every key and drops all further frames (so nothing is
   * sent in the clear); a worker this controller created is then terminated. Idempotent.
   *
   * @throws never
   * @example
   * ```ts
   * e2ee.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#send({ kind: 'close' });
    for (const resolve of this.#pendingStats.values()) resolve(undefined);
    this.#pendingStats.clear();
    if (this.#ownsWorker) {
      const w = this.#worker;
      // Terminate once the worker confirms the keys are zeroed, or after a bound if it hangs.
      const timer = setTimeout(() => w.terminate(), 2000);
      w.addEventListener('message', (e) => {
        if (isFromWorker(e.data) && e.data.kind === 'closed') {
          clearTimeout(timer);
          w.terminate();
        }
      });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new E2EEError('closed', 'the E2EE controller is closed');
  }

  #send(msg: ToWorker, transfer: Transferable[] = []): void {
    this.#worker.postMessage(msg, transfer);
  }

  #onMessage(m: FromWorker): void {
    switch (m.kind) {
      case 'ready':
      case 'closed':
        return; // handled by the handshake / close()
      case 'stats': {
        const resolve = this.#pendingStats.get(m.requestId);
        this.#pendingStats.delete(m.requestId);
        resolve?.(m);
        return;
      }
      case 'receive-state':
        this.#events.emit('receive-state', m.participantId, m.state);
        return;
      case 'need-codecs': {
        const endpoint = this.#endpoints.get(m.id)?.endpoint.deref();
        if (endpoint) {
          const codecs = endpoint.getParameters().codecs.map((c) => ({ payloadType: c.payloadType, mimeType: c.mimeType }));
          this.#send({ kind: 'codecs', id: m.id, codecs });
        }
        return;
      }
      case 'error':
        this.#events.emit('error', new E2EEError(errorCode(m.code), `transform worker: ${m.message}`));
        return;
      default: {
        const unreachable: never = m;
        throw new TypeError(`unhandled worker message ${String((unreachable as { kind?: unknown }).kind)}`);
      }
    }
  }
}
