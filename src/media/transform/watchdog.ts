/**
 * Fail-closed watchdog for send transforms.
 *
 * Chromium 156 silently bypasses a send transform in at least one case: a transceiver created by
 * the remote offer whose sender got its track with `replaceTrack` *before* the transform was
 * attached sends its frames unencrypted, and the transform never sees one (measured; replacing
 * the track again does not help). Nothing in the API reports it, so the controller watches each
 * sender until its transform has seen a frame: if the browser reports media sent while the
 * transform saw none, the sender is stopped (`replaceTrack(null)`) and a `'transform-bypassed'`
 * error is reported.
 *
 * @module
 */
import { E2EEError } from './errors.js';

const INTERVAL_MS = 500;
/** Watch a sender for at most 10 minutes before its first frame (e.g. a long lobby wait). */
const MAX_CHECKS = 1200;
/** Frames the browser must report sent, on two checks in a row, before we call it a bypass. */
const SENT_THRESHOLD = 3;

/** Frames (video) or packets (audio) the browser reports as sent by `sender`. */
async function mediaSent(sender: RTCRtpSender): Promise<number> {
  let sent = 0;
  const report = await sender.getStats().catch(() => undefined); // connection closed: nothing is sent
  report?.forEach((s: { type?: string; framesEncoded?: number; packetsSent?: number }) => {
    if (s.type === 'outbound-rtp') sent += s.framesEncoded ?? s.packetsSent ?? 0;
  });
  return sent;
}

/** What the watchdog needs from the controller. */
export interface WatchDeps {
  /** True once the controller is closed (stop watching). */
  closed(): boolean;
  /** Frames that entered this sender's transform; `undefined` when the worker is gone. */
  seen(): Promise<number | undefined>;
  /** Reports the bypass (or a failure to stop the sender). */
  report(error: E2EEError): void;
}

/**
 * Watches `sender` until its transform sees a frame, the controller closes, or a bypass is found.
 *
 * @throws never (outcomes are reported through `deps.report`)
 * @example
 * ```ts
 * watchSender(sender, { closed: () => done, seen: () => framesSeen(id), report: (e) => emit('error', e) });
 * ```
 */
export function watchSender(sender: RTCRtpSender, deps: WatchDeps): void {
  let strikes = 0;
  let checks = 0;
  const tick = async (): Promise<void> => {
    if (deps.closed() || checks++ >= MAX_CHECKS) return;
    const [sent, seen] = await Promise.all([mediaSent(sender), deps.seen()]);
    if (deps.closed() || seen === undefined || seen > 0) return; // frames go through the transform
    strikes = sent >= SENT_THRESHOLD ? strikes + 1 : 0;
    if (strikes < 2) {
      setTimeout(() => void tick(), INTERVAL_MS);
      return;
    }
    sender.replaceTrack(null).then(
      () => deps.report(new E2EEError('transform-bypassed', 'the browser bypassed the send transform; the sender was stopped')),
      (cause: unknown) =>
        deps.report(new E2EEError('transform-bypassed', 'the browser bypassed the send transform and the sender could not be stopped', { cause })),
    );
  };
  setTimeout(() => void tick(), INTERVAL_MS);
}
