/**
 * Entry of a worker process of a multi-core relay (see `cluster.ts`): a {@link RelayCore} that
 * gets its sockets from the primary process, already upgraded, with the first message (the
 * JOIN) and anything after it to replay. Talks to the primary over the IPC channel only.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { RelayCore } from './core.js';
import { maxWireMessageBytes } from './limits.js';
import { RelayLogger } from './log.js';
import { WireSocket } from './wire.js';
import type { ToPrimary, ToWorker } from './cluster-protocol.js';

const send = (m: ToPrimary): void => {
  process.send?.(m);
};
let core: RelayCore | undefined;
let maxMessageBytes = 0;

process.on('message', (m: ToWorker, handle?: Socket) => {
  switch (m.t) {
    case 'init': {
      maxMessageBytes = maxWireMessageBytes(m.limits);
      // Log lines go to the primary, which writes them where the relay's logs go.
      const log = new RelayLogger(m.logLevel, (line) => send({ t: 'log', line }));
      RelayCore.start({ limits: m.limits, log, tokenKey: m.tokenKey, redisUrl: m.redisUrl, redisNodeTtlMs: m.redisNodeTtlMs }).then(
        (c) => {
          core = c;
          send({ t: 'ready', nodeId: c.nodeId });
        },
        (e: unknown) => {
          send({ t: 'failed', code: e instanceof Error && 'code' in e ? String(e.code) : 'worker-failed' });
          process.exit(1);
        },
      );
      return;
    }
    case 'conn':
      if (!handle) return;
      if (!core || core.draining) return void handle.destroy();
      core.adopt(new WireSocket(handle, Buffer.from(m.pending), { maxMessageBytes }));
      return;
    case 'metrics':
      if (core) send({ t: 'metrics', id: m.id, metrics: core.snapshot() });
      return;
    case 'close':
      void (core?.close(m.drainMs) ?? Promise.resolve()).finally(() => process.exit(0));
      return;
    default: {
      const never: never = m;
      return never;
    }
  }
});
// The primary is gone: nobody routes to this process any more.
process.on('disconnect', () => {
  void (core?.close(0) ?? Promise.resolve()).finally(() => process.exit(0));
});
// A terminal's Ctrl-C or a service manager signals the whole process group: the primary alone
// decides, and tells each worker to drain ('close') so that its clients get a GOAWAY first.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
