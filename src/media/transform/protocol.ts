/**
 * The typed message protocol between the main thread (`E2EEController`) and the transform worker.
 *
 * Every message is a plain object discriminated by `kind`, structured-clone safe (KIDs travel as
 * `bigint`, which structured clone supports). Every `switch` over these unions ends in an
 * exhaustive `never` check, so adding a kind without handling it fails to compile.
 *
 * What crosses this boundary: key material goes *to* the worker only (as copies the worker zeroes
 * after import); nothing that comes back contains key, plaintext or frame bytes — only counters,
 * KIDs (public: they are in every SFrame header), participant ids and error codes.
 *
 * @module
 */

/** Protocol version; the worker answers `init` with it so a stale worker bundle is detected. */
export const TRANSFORM_PROTOCOL_VERSION = 1;

/** Which side of a transceiver a transform sits on. */
export type TransformRole = 'sender' | 'receiver';

/**
 * Options of one transform: passed as `RTCRtpScriptTransform` options, or inside the
 * `attach-streams` message on the `createEncodedStreams` path.
 */
export interface TransformOptions {
  /** Marks the options as sealrtc's (an app may run other transforms in the same worker). */
  readonly sealrtc: typeof TRANSFORM_PROTOCOL_VERSION;
  /** Controller-assigned id of this sender/receiver, for rebinding and codec look-ups. */
  readonly id: number;
  readonly role: TransformRole;
  /** Receivers: the participant whose KIDs are accepted. Senders: `''`. */
  readonly participantId: string;
}

/** A payload type and its MIME type, from `RTCRtpSendParameters.codecs` / receive parameters. */
export interface NegotiatedCodec {
  readonly payloadType: number;
  readonly mimeType: string;
}

/** Frame counters for one participant (`''` is the local sender). */
export interface E2EEParticipantStats {
  /** `''` for what this endpoint sends, else the remote participant's id. */
  readonly participantId: string;
  /** Outgoing frames sealed into SFrame. */
  readonly framesEncrypted: number;
  /** Incoming frames that authenticated and decrypted under one of the participant's KIDs. */
  readonly framesDecrypted: number;
  /** Incoming frames that failed (bad tag, unknown or foreign KID, replay, bad framing): dropped. */
  readonly framesFailed: number;
  /** Frames dropped without trying: no send key yet, unknown codec, controller closed. */
  readonly framesDropped: number;
  /** Successfully processed frames by media kind. */
  readonly audioFrames: number;
  readonly videoFrames: number;
  /** KIDs held for this participant (for `''`: the current send KID, if any). */
  readonly kids: readonly bigint[];
  /** KID of the last frame sealed (sender) or opened (receiver). */
  readonly lastKid: bigint | undefined;
  /** Total worker time spent sealing/opening these frames, in milliseconds. */
  readonly workerTimeMs: number;
  /** Median worker time per frame over the last 128 frames, in µs (wall clock, so it includes waits). */
  readonly medianFrameUs: number | undefined;
}

/** Main thread → worker. */
export type ToWorker =
  | { readonly kind: 'init'; readonly suite: number | undefined }
  | { readonly kind: 'set-send-key'; readonly kid: bigint; readonly baseKey: Uint8Array }
  | { readonly kind: 'add-receive-key'; readonly participantId: string; readonly kid: bigint; readonly baseKey: Uint8Array }
  | { readonly kind: 'remove-key'; readonly kid: bigint }
  | {
      readonly kind: 'attach-streams';
      readonly options: TransformOptions;
      readonly readable: ReadableStream<unknown>;
      readonly writable: WritableStream<unknown>;
    }
  | { readonly kind: 'bind-receiver'; readonly id: number; readonly participantId: string }
  | { readonly kind: 'codecs'; readonly id: number; readonly codecs: readonly NegotiatedCodec[] }
  | { readonly kind: 'get-stats'; readonly requestId: number }
  | { readonly kind: 'close' };

/** Receive states reported per participant. */
export type ReceiveState = 'decrypting' | 'failing';

/** Worker → main thread. Never carries key, plaintext or frame bytes. */
export type FromWorker =
  | { readonly kind: 'ready'; readonly version: number }
  | {
      readonly kind: 'stats';
      readonly requestId: number;
      readonly stats: readonly E2EEParticipantStats[];
      /** Frames that entered each attached transform (by controller id), for the bypass watchdog. */
      readonly seen: readonly (readonly [id: number, frames: number])[];
    }
  | { readonly kind: 'receive-state'; readonly participantId: string; readonly state: ReceiveState }
  | { readonly kind: 'need-codecs'; readonly id: number }
  | { readonly kind: 'error'; readonly code: string; readonly message: string }
  | { readonly kind: 'closed' };

/** Narrows an unknown `postMessage` payload to a sealrtc transform option bag. */
export function isTransformOptions(value: unknown): value is TransformOptions {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.sealrtc === TRANSFORM_PROTOCOL_VERSION &&
    typeof v.id === 'number' &&
    (v.role === 'sender' || v.role === 'receiver') &&
    typeof v.participantId === 'string'
  );
}

/** Narrows an unknown message to the `FromWorker` union by its `kind` (shape checked by the reader). */
export function isFromWorker(value: unknown): value is FromWorker {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (
    kind === 'ready' || kind === 'stats' || kind === 'receive-state' || kind === 'need-codecs' || kind === 'error' || kind === 'closed'
  );
}

/** Narrows an unknown message to the `ToWorker` union by its `kind`. */
export function isToWorker(value: unknown): value is ToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (
    kind === 'init' ||
    kind === 'set-send-key' ||
    kind === 'add-receive-key' ||
    kind === 'remove-key' ||
    kind === 'attach-streams' ||
    kind === 'bind-receiver' ||
    kind === 'codecs' ||
    kind === 'get-stats' ||
    kind === 'close'
  );
}
