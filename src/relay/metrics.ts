/**
 * The relay's counters and their Prometheus text rendering (served at `/metrics`;
 * `/metrics?format=json` gives JSON). Counts only: no ids, no payloads.
 *
 * @module
 */

/** Counters and gauges of one relay process. */
export interface RelayMetrics {
  /** Open WebSocket connections (gauge). */
  connections: number;
  /** Rooms on this process (gauge, filled in at read time). */
  rooms: number;
  /** Sessions on this process, connected or in grace (gauge, filled in at read time). */
  sessions: number;
  /** Bytes held in session outboxes awaiting the clients' acks (gauge, filled in at read time). */
  outboxBytes: number;
  connectionsTotal: number;
  joins: number;
  resumes: number;
  sessionsEnded: number;
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** Payload deliveries to peers (one broadcast to n peers counts n). */
  messagesRouted: number;
  /** Error codes sent to clients, by code. */
  errors: Record<string, number>;
}

/** A zeroed metrics record. */
export function newMetrics(): RelayMetrics {
  return {
    connections: 0, rooms: 0, sessions: 0, outboxBytes: 0, connectionsTotal: 0, joins: 0, resumes: 0, sessionsEnded: 0,
    framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, messagesRouted: 0, errors: {},
  };
}

/** Render in the Prometheus text exposition format. */
export function toPrometheus(m: RelayMetrics): string {
  const lines: string[] = [];
  const gauge = new Set(['connections', 'rooms', 'sessions', 'outboxBytes']);
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'number') continue;
    const name = `sealrtc_relay_${k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())}`;
    const type = gauge.has(k) ? 'gauge' : 'counter';
    lines.push(`# TYPE ${name}${type === 'counter' ? '_total' : ''} ${type}`, `${name}${type === 'counter' ? '_total' : ''} ${v}`);
  }
  lines.push('# TYPE sealrtc_relay_errors_total counter');
  for (const [code, n] of Object.entries(m.errors)) lines.push(`sealrtc_relay_errors_total{code="${code}"} ${n}`);
  return lines.join('\n') + '\n';
}
