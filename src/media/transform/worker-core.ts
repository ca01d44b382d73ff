/**
 * The transform worker: seals every outgoing encoded frame and opens every incoming one, for all
 * tracks of a room, under keys the main thread sends it.
 *
 * ```
 *  main thread (E2EEController)                 worker (this file)
 *  ─────────────────────────────                ────────────────────────────────────────────
 *  set-send-key / add-receive-key ──copies──▶   SFrameContext (owns keys and send counters)
 *  RTCRtpScriptTransform / streams ─frames──▶   sender:   protectFrame(codec, frame, ctx@sendKid)
 *                                               receiver: unprotectFrame(codec, frame, ctx), KID
 *                                                         must belong to the bound participant
 *  stats / receive-state / error  ◀─counters─   (never keys, plaintext or frame bytes)
 * ```
 *
 * Fail closed: a sender with no send key drops frames (nothing is sent in the clear); a receiver
 * drops and counts every frame that does not authenticate under its participant's KIDs.
 *
 * @module
 */
import { SealError } from '../../errors.js';
import { SFrameContext, decodeHeader } from '../../sframe/index.js';
import { codecFromMimeType, protectFrame, unprotectFrame, type FrameCipher, type MediaCodec } from './framing.js';
import {
  TRANSFORM_PROTOCOL_VERSION,
  isTransformOptions,
  type FromWorker,
  type ToWorker,
  type TransformOptions,
} from './protocol.js';
import { StatsBook, addTime } from './stats.js';

/** The parts of an `RTCEncodedVideoFrame` / `RTCEncodedAudioFrame` the worker uses. */
export interface EncodedFrameLike {
  data: ArrayBuffer;
  readonly type?: string;
  getMetadata(): { mimeType?: string; payloadType?: number };
}

/** Consecutive non-replay failures after which a participant is reported `'failing'`. */
export const FAILING_AFTER = 12;

interface Binding {
  readonly id: number;
  readonly generation: number;
  readonly role: TransformOptions['role'];
  participantId: string;
  codecs: Map<number, MediaCodec> | undefined;
  codecsAsked: boolean;
  /** Frames that entered this transform (whatever became of them). */
  seen: number;
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength && u.buffer instanceof ArrayBuffer) return u.buffer;
  return u.slice().buffer;
}

/** Internal options: `passthrough` copies frames without crypto (benchmark baseline only). */
export interface TransformWorkerOptions {
  readonly passthrough?: boolean;
}

/** One worker's state, driven by `install.ts` (tests drive it directly). */
export class TransformWorker {
  readonly #post: (m: FromWorker) => void;
  readonly #passthrough: boolean;
  #ctx: SFrameContext | undefined;
  #sendKid: bigint | undefined;
  readonly #owner = new Map<bigint, string>();
  readonly #bindings = new Map<number, Binding>();
  #stats = new StatsBook();
  /** Bumped by every `init`: transforms attached under an older controller are dropped. */
  #generation = 0;
  #keyOps: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(post: (m: FromWorker) => void, opts: TransformWorkerOptions = {}) {
    this.#post = post;
    this.#passthrough = opts.passthrough === true;
  }

  /** Handles one message from the main thread. */
  handle(msg: ToWorker): void {
    switch (msg.kind) {
      case 'init':
        // A new controller (an app may reuse its worker for the next call): start from nothing.
        this.#keyOps = this.#keyOps.then(() => {
          this.#ctx?.clear();
          this.#ctx = undefined;
          this.#owner.clear();
          this.#sendKid = undefined;
          this.#stats = new StatsBook();
          this.#generation++;
          try {
            this.#ctx = new SFrameContext(msg.suite === undefined ? {} : { suite: msg.suite });
          } catch (e) {
            this.#error('invalid-argument', 'unsupported SFrame cipher suite', e);
            return;
          }
          this.#closed = false;
          this.#post({ kind: 'ready', version: TRANSFORM_PROTOCOL_VERSION });
        });
        return;
      case 'set-send-key':
        return this.#keyOp(msg.baseKey, async (ctx) => {
          await ctx.addEncryptKey(msg.kid, msg.baseKey);
          this.#sendKid = msg.kid;
        });
      case 'add-receive-key':
        return this.#keyOp(msg.baseKey, async (ctx) => {
          // Checked in the queue, after every earlier key operation: a KID never changes hands.
          const owner = this.#owner.get(msg.kid);
          if (owner !== undefined && owner !== msg.participantId) {
            this.#error('kid-conflict', 'receive KID already belongs to another participant');
            return;
          }
          await ctx.addDecryptKey(msg.kid, msg.baseKey);
          this.#owner.set(msg.kid, msg.participantId);
        });
      case 'remove-key':
        return this.#keyOp(undefined, (ctx) => {
          this.#forget(ctx, msg.kid);
          return Promise.resolve();
        });
      case 'attach-streams':
        if (!isTransformOptions(msg.options)) return this.#error('invalid-argument', 'malformed transform options');
        this.attach(msg.options, msg.readable, msg.writable);
        return;
      case 'bind-receiver': {
        const b = this.#bindings.get(msg.id);
        if (b?.role === 'receiver') b.participantId = msg.participantId;
        return;
      }
      case 'codecs': {
        const b = this.#bindings.get(msg.id);
        if (!b) return;
        b.codecs = new Map();
        for (const c of msg.codecs) {
          const codec = codecFromMimeType(c.mimeType);
          if (codec) b.codecs.set(c.payloadType, codec);
        }
        return;
      }
      case 'get-stats':
        this.#post({
          kind: 'stats',
          requestId: msg.requestId,
          stats: this.#stats.snapshot(this.#owner, this.#sendKid),
          seen: [...this.#bindings.values()].map((b) => [b.id, b.seen] as const),
        });
        return;
      case 'close':
        this.#closed = true;
        this.#keyOps = this.#keyOps.then(() => {
          const ctx = this.#ctx;
          if (ctx) for (const kid of [...this.#owner.keys(), ...(this.#sendKid === undefined ? [] : [this.#sendKid])]) this.#forget(ctx, kid);
          this.#post({ kind: 'closed' });
        });
        return;
      default: {
        const unreachable: never = msg;
        throw new TypeError(`unhandled message ${String((unreachable as { kind?: unknown }).kind)}`);
      }
    }
  }

  /** Resolves once every key operation queued so far has been applied (tests, benchmark). */
  settled(): Promise<void> {
    return this.#keyOps;
  }

  /** Pipes one sender's or receiver's encoded frames through the worker. */
  attach(options: TransformOptions, readable: ReadableStream<unknown>, writable: WritableStream<unknown>): void {
    const binding: Binding = { id: options.id, generation: this.#generation, role: options.role, participantId: options.participantId, codecs: undefined, codecsAsked: false, seen: 0 };
    this.#bindings.set(options.id, binding);
    const transform = new TransformStream<EncodedFrameLike, EncodedFrameLike>({
      transform: (frame, out) => (binding.role === 'sender' ? this.#send(binding, frame, out) : this.#receive(binding, frame, out)),
    });
    (readable as ReadableStream<EncodedFrameLike>)
      .pipeThrough(transform)
      .pipeTo(writable as WritableStream<EncodedFrameLike>)
      .catch(() => {
        // The browser closes these streams when the transceiver stops; nothing to report.
        this.#bindings.delete(options.id);
      });
  }

  #keyOp(copy: Uint8Array | undefined, op: (ctx: SFrameContext) => Promise<void>): void {
    this.#keyOps = this.#keyOps.then(async () => {
      try {
        if (this.#closed || !this.#ctx) return; // closed, or no controller yet: keys are refused
        await op(this.#ctx);
      } catch (e) {
        this.#error('key-rejected', 'the worker could not use a key', e);
      } finally {
        copy?.fill(0); // our structured-clone copy; the context keeps its own
      }
    });
  }

  #forget(ctx: SFrameContext, kid: bigint): void {
    if (ctx.hasKey(kid)) ctx.removeKey(kid);
    this.#owner.delete(kid);
    if (this.#sendKid === kid) this.#sendKid = undefined;
  }

  #codec(b: Binding, frame: EncodedFrameLike): MediaCodec | undefined {
    const meta = frame.getMetadata();
    if (meta.mimeType) return codecFromMimeType(meta.mimeType);
    if (meta.payloadType === undefined) return undefined;
    if (b.codecs) return b.codecs.get(meta.payloadType);
    if (!b.codecsAsked) {
      b.codecsAsked = true;
      this.#post({ kind: 'need-codecs', id: b.id });
    }
    return undefined;
  }

  async #send(b: Binding, frame: EncodedFrameLike, out: TransformStreamDefaultController<EncodedFrameLike>): Promise<void> {
    b.seen++;
    const s = this.#stats.get('');
    const kid = this.#sendKid;
    const ctx = this.#ctx;
    if (frame.data.byteLength === 0) return out.enqueue(frame); // nothing to protect or leak
    const codec = this.#codec(b, frame);
    if (this.#closed || b.generation !== this.#generation || codec === undefined || ((kid === undefined || !ctx) && !this.#passthrough)) {
      s.framesDropped++; // fail closed: never send a frame we could not seal
      return;
    }
    const t0 = performance.now();
    try {
      if (this.#passthrough || kid === undefined || !ctx) {
        frame.data = new Uint8Array(frame.data).slice().buffer;
      } else {
        const cipher: FrameCipher = {
          seal: (metadata, plaintext) => ctx.encrypt(kid, metadata, plaintext),
          open: () => Promise.reject(new TypeError('sender cipher cannot open')),
        };
        frame.data = toArrayBuffer(await protectFrame(codec, new Uint8Array(frame.data), { keyFrame: frame.type === 'key' }, cipher));
      }
      s.framesEncrypted++;
      s.lastKid = kid;
      if (codec === 'opus') s.audioFrames++;
      else s.videoFrames++;
      out.enqueue(frame);
    } catch (e) {
      s.framesDropped++;
      this.#error(e instanceof SealError ? e.code : 'worker-failed', 'a frame could not be sealed and was dropped', e, true);
    } finally {
      addTime(s, performance.now() - t0);
    }
  }

  async #receive(b: Binding, frame: EncodedFrameLike, out: TransformStreamDefaultController<EncodedFrameLike>): Promise<void> {
    const pid = b.participantId;
    b.seen++;
    const s = this.#stats.get(pid);
    const ctx = this.#ctx;
    if (frame.data.byteLength === 0) return out.enqueue(frame);
    const codec = this.#codec(b, frame);
    if (this.#closed || b.generation !== this.#generation || codec === undefined || (!ctx && !this.#passthrough)) {
      s.framesDropped++;
      return;
    }
    const t0 = performance.now();
    let kidSeen: bigint | undefined;
    try {
      if (this.#passthrough || !ctx) {
        frame.data = new Uint8Array(frame.data).slice().buffer;
      } else {
        const cipher: FrameCipher = {
          seal: () => Promise.reject(new TypeError('receiver cipher cannot seal')),
          open: async (metadata, sframe) => {
            // Select the key by exact KID, and only among this participant's KIDs (RFC 9605 §4.4.3).
            const { kid } = decodeHeader(sframe);
            if (this.#owner.get(kid) !== pid) throw new SealError('unknown-key', 'KID does not belong to this participant');
            kidSeen = kid;
            return (await ctx.decrypt(metadata, sframe)).plaintext;
          },
        };
        frame.data = toArrayBuffer(await unprotectFrame(codec, new Uint8Array(frame.data), cipher));
      }
      out.enqueue(frame);
      s.framesDecrypted++;
      s.lastKid = kidSeen;
      if (codec === 'opus') s.audioFrames++;
      else s.videoFrames++;
      if (this.#stats.succeeded(pid)) this.#post({ kind: 'receive-state', participantId: pid, state: 'decrypting' });
    } catch (e) {
      s.framesFailed++; // dropped, never passed on
      const replay = e instanceof SealError && e.code === 'replay';
      if (!replay && this.#stats.failed(pid, FAILING_AFTER)) this.#post({ kind: 'receive-state', participantId: pid, state: 'failing' });
    } finally {
      addTime(s, performance.now() - t0);
    }
  }

  #error(code: string, message: string, cause?: unknown, once = false): void {
    if (once && !this.#stats.firstError(code)) return;
    // Only the error's code travels: messages of lower layers are not inspected for safety here.
    const detail = cause instanceof SealError ? ` (${cause.code})` : '';
    this.#post({ kind: 'error', code, message: message + detail });
  }
}
