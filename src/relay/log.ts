/**
 * Structured JSON-line logging for the relay. Callers pass routing metadata only: never a
 * payload, a token, a resume key or anything else a client sent beyond ids and sizes.
 *
 * @module
 */

/** Log severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One structured log record (plus `ts`, `level`, `msg` added by the logger). */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Where log lines go; default: one JSON object per line on stderr. */
export type LogSink = (line: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A minimal JSON-lines logger. */
export class RelayLogger {
  readonly #min: number;
  constructor(readonly level: LogLevel | 'silent', readonly sink: LogSink = (l) => process.stderr.write(l + '\n')) {
    this.#min = level === 'silent' ? Infinity : ORDER[level];
  }

  /** Write `msg` with `fields` at `level`. */
  log(level: LogLevel, msg: string, fields: LogFields = {}): void {
    if (ORDER[level] < this.#min) return;
    this.sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }));
  }
}
