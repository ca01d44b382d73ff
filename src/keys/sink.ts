/**
 * Where the key schedule puts media keys, and an adapter onto an SFrame context.
 *
 * @module
 */

/**
 * Where the key schedule puts media keys: an SFrameContext adapter in Node
 * ({@link sframeContextSink}), the transform worker's controller in browsers.
 * Implementations copy the bytes they are given; the schedule zeroes its own copies.
 *
 * @example
 * ```ts
 * const sink: MediaKeySink = controller;   // E2EEController implements it
 * new GroupKeySession({ roomId, identity, signaling, keySink: sink });
 * ```
 */
export interface MediaKeySink {
  /** From now on encrypt outgoing frames under this KID / base key (32 bytes). */
  setSendKey(kid: bigint, baseKey: Uint8Array): void;
  /** Accept incoming frames with this KID; it belongs to participant `participantId`. */
  addReceiveKey(participantId: string, kid: bigint, baseKey: Uint8Array): void;
  /** Forget the key with this KID (retired epoch, departed participant). */
  removeKey(kid: bigint): void;
}

/** The part of `SFrameContext` (sealrtc/sframe) the adapter drives. */
export interface KeyedFrameContext {
  /** Install the base key this side encrypts under for `kid`. */
  addEncryptKey(kid: bigint, baseKey: Uint8Array): Promise<void>;
  /** Install a base key to decrypt frames carrying `kid`. */
  addDecryptKey(kid: bigint, baseKey: Uint8Array): Promise<void>;
  /** Remove (and zero) the key for `kid`. */
  removeKey(kid: bigint): void;
}

/** A {@link MediaKeySink} over an SFrame context, with what a Node pipeline needs to use it. */
export interface SFrameContextSink extends MediaKeySink {
  /** The KID outgoing frames use now (undefined before the first send key). */
  readonly sendKid: bigint | undefined;
  /** The participant a receive KID belongs to. */
  participantOf(kid: bigint): string | undefined;
  /** Resolves when every key operation so far reached the context; rejects with the first failure. */
  flush(): Promise<void>;
}

/**
 * Adapt an `SFrameContext` to {@link MediaKeySink}. Key operations are applied in call order;
 * `flush()` waits for them. Bytes are copied at call time, so callers may zero theirs at once.
 *
 * @throws never (failures surface from `flush()`).
 * @example
 * ```ts
 * const ctx = new SFrameContext();
 * const sink = sframeContextSink(ctx);
 * const session = new GroupKeySession({ roomId, identity, signaling, keySink: sink });
 * await sink.flush();
 * const frame = await ctx.encrypt(sink.sendKid!, new Uint8Array(0), payload);
 * ```
 */
export function sframeContextSink(ctx: KeyedFrameContext): SFrameContextSink {
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  let sendKid: bigint | undefined;
  const owners = new Map<bigint, string>();
  const run = (op: () => Promise<void> | void): void => {
    chain = chain.then(op).catch((e: unknown) => {
      failure ??= e;
    });
  };
  return {
    get sendKid() {
      return sendKid;
    },
    setSendKey(kid, baseKey) {
      const copy = new Uint8Array(baseKey);
      sendKid = kid;
      run(async () => {
        try {
          await ctx.addEncryptKey(kid, copy);
        } finally {
          copy.fill(0);
        }
      });
    },
    addReceiveKey(participantId, kid, baseKey) {
      const copy = new Uint8Array(baseKey);
      owners.set(kid, participantId);
      run(async () => {
        try {
          await ctx.addDecryptKey(kid, copy);
        } finally {
          copy.fill(0);
        }
      });
    },
    removeKey(kid) {
      owners.delete(kid);
      if (sendKid === kid) sendKid = undefined;
      run(() => ctx.removeKey(kid));
    },
    participantOf: (kid) => owners.get(kid),
    async flush() {
      await chain;
      if (failure !== undefined) throw failure;
    },
  };
}
