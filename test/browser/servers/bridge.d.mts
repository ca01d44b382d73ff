/** Types of the loopback WebSocket signaling bridge (bridge.mjs) for TypeScript benchmarks. */
export function startBridge(): Promise<{ url: string; seen: Buffer[]; close: () => Promise<void> }>;
