/**
 * Automatic log-off: idle and max-duration timers for a session.
 *
 * @module
 */
export { AutoLogoff, LogoffError } from './auto-logoff.js';
export type { AutoLogoffEvents, AutoLogoffOptions, LogoffClock, LogoffErrorCode, LogoffReason } from './auto-logoff.js';
