/**
 * Per-participant frame counters kept by the transform worker, and the receive-state machine
 * (`'decrypting'` after a frame opens, `'failing'` after a run of failures).
 *
 * Counters only: nothing here ever holds key, plaintext or frame bytes.
 *
 * @module
 */
import type { E2EEParticipantStats, ReceiveState } from './protocol.js';

/** Mutable counters for one participant. */
export interface Counters {
  framesEncrypted: number;
  framesDecrypted: number;
  framesFailed: number;
  framesDropped: number;
  audioFrames: number;
  videoFrames: number;
  lastKid: bigint | undefined;
  workerTimeMs: number;
  /** The last {@link RECENT} per-frame times (ms), a ring, for a median that ignores stalls. */
  readonly recent: Float64Array;
  recentCount: number;
  state: ReceiveState | undefined;
  failStreak: number;
}

/** How many recent per-frame times each participant keeps. */
export const RECENT = 128;

/** Adds one frame's worker time (ms) to `c`. */
export function addTime(c: Counters, ms: number): void {
  c.workerTimeMs += ms;
  c.recent[c.recentCount++ % RECENT] = ms;
}

function medianUs(c: Counters): number | undefined {
  const n = Math.min(c.recentCount, RECENT);
  if (n === 0) return undefined;
  const sorted = c.recent.slice(0, n).sort();
  return (sorted[n >> 1] ?? 0) * 1000;
}

function fresh(): Counters {
  return {
    framesEncrypted: 0,
    framesDecrypted: 0,
    framesFailed: 0,
    framesDropped: 0,
    audioFrames: 0,
    videoFrames: 0,
    lastKid: undefined,
    workerTimeMs: 0,
    recent: new Float64Array(RECENT),
    recentCount: 0,
    state: undefined,
    failStreak: 0,
  };
}

/** All counters of one worker, by participant id (`''` = local sender). */
export class StatsBook {
  readonly #by = new Map<string, Counters>();
  readonly #errorsSeen = new Set<string>();

  /** The counters of `participantId`, created on first use. */
  get(participantId: string): Counters {
    let c = this.#by.get(participantId);
    if (!c) {
      c = fresh();
      this.#by.set(participantId, c);
    }
    return c;
  }

  /** Records a successful open; true when the participant just became `'decrypting'`. */
  succeeded(participantId: string): boolean {
    const c = this.get(participantId);
    c.failStreak = 0;
    if (c.state === 'decrypting') return false;
    c.state = 'decrypting';
    return true;
  }

  /** Records a failed open; true when the participant just became `'failing'`. */
  failed(participantId: string, threshold: number): boolean {
    const c = this.get(participantId);
    c.failStreak++;
    if (c.failStreak < threshold || c.state === 'failing') return false;
    c.state = 'failing';
    return true;
  }

  /** True the first time an error `code` is seen (so a per-frame failure is reported once). */
  firstError(code: string): boolean {
    if (this.#errorsSeen.has(code)) return false;
    this.#errorsSeen.add(code);
    return true;
  }

  /** A structured-clone-safe snapshot; `owner` maps receive KIDs to participants. */
  snapshot(owner: ReadonlyMap<bigint, string>, sendKid: bigint | undefined): E2EEParticipantStats[] {
    const kids = new Map<string, bigint[]>();
    for (const [kid, pid] of owner) {
      this.get(pid);
      const list = kids.get(pid) ?? [];
      list.push(kid);
      kids.set(pid, list);
    }
    return [...this.#by].map(([participantId, c]) => ({
      participantId,
      framesEncrypted: c.framesEncrypted,
      framesDecrypted: c.framesDecrypted,
      framesFailed: c.framesFailed,
      framesDropped: c.framesDropped,
      audioFrames: c.audioFrames,
      videoFrames: c.videoFrames,
      kids: participantId === '' ? (sendKid === undefined ? [] : [sendKid]) : (kids.get(participantId) ?? []),
      lastKid: c.lastKid,
      workerTimeMs: c.workerTimeMs,
      medianFrameUs: medianUs(c),
    }));
  }
}
