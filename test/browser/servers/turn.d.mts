/** Types of the coturn launcher (turn.mjs) for TypeScript benchmarks. */
export function startTurn(): Promise<{ iceServers: RTCIceServer[]; log: () => string; stop: () => Promise<void> }>;
