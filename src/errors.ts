/**
 * The one error hierarchy of sealrtc.
 *
 * Every error the SDK throws or emits is a {@link SealError} with a stable string `code`.
 * Apps and tests branch on `code`, never on `message`. Messages never contain key
 * material, passcodes or plaintext: they describe what failed, not with what.
 *
 * @module
 */

/**
 * Base class of every sealrtc error.
 *
 * @example
 * ```ts
 * try { await room.leave(); } catch (e) {
 *   if (e instanceof SealError && e.code === 'e2ee-unsupported') showUpgradeBrowserHint();
 * }
 * ```
 */
export class SealError<Code extends string = string> extends Error {
  /** Stable machine-readable failure code. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}
