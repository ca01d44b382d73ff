/**
 * `useSealRoom`: a React hook around sealrtc's `joinRoom`. It connects to the relay, joins the
 * room with the given local stream, and keeps React state in step with the room's events:
 * participants (with their E2EE state and safety number), their media streams and the call code.
 * Leaving (unmount, or a change of room/stream) leaves the room and closes the signaling.
 */
import { useEffect, useRef, useState } from 'react';
import { SealError, WebSocketSignaling, createIdentity, joinRoom, type E2EEState, type Room } from 'sealrtc';

/** Options of {@link useSealRoom}. */
export interface SealRoomOptions {
  roomId: string;
  displayName: string;
  /** `ws://` / `wss://` URL of the relay. */
  relayUrl: string;
  /** Join token minted by your server (a function is called again before every reconnect). Read at join time. */
  token?: string | (() => Promise<string>);
  /** What to send; the hook waits (status `'idle'`) while it is null. */
  localStream: MediaStream | null;
  /** Your STUN/TURN servers; nothing else is used. Read at join time. */
  iceServers?: RTCIceServer[];
}

/** A participant as React state: a plain snapshot, replaced on every change. */
export interface ParticipantView {
  id: string;
  displayName: string | undefined;
  e2eeState: E2EEState;
  safetyNumber: string;
  sas: string;
  stream: MediaStream | undefined;
}

/** What {@link useSealRoom} returns. */
export interface SealRoomState {
  status: 'idle' | 'joining' | 'joined' | 'error';
  /** The `SealError` code (or a message) when `status` is `'error'`. */
  error: string | undefined;
  participants: ParticipantView[];
  /** Everyone in the call sees the same code; read it aloud. */
  callCode: string;
}

/** Joins `roomId` while mounted; see {@link SealRoomState}. */
export function useSealRoom({ roomId, displayName, relayUrl, token, localStream, iceServers }: SealRoomOptions): SealRoomState {
  const [state, setState] = useState<SealRoomState>({ status: 'idle', error: undefined, participants: [], callCode: '' });
  // Inline arrays and functions are new objects on every render: keep them out of the effect's
  // dependencies (a change there would leave and rejoin the room on every render).
  const joinExtras = useRef({ token, iceServers });
  useEffect(() => {
    joinExtras.current = { token, iceServers }; // runs before the join effect below
  });

  useEffect(() => {
    if (!localStream) return undefined;
    let cancelled = false;
    let signaling: WebSocketSignaling | undefined;
    let room: Room | undefined;
    const streams = new Map<string, MediaStream>();

    const publish = (r: Room): void => {
      if (cancelled) return;
      const participants = [...r.participants.values()].map((p) => ({
        id: p.id,
        displayName: p.displayName,
        e2eeState: p.e2eeState,
        safetyNumber: p.safetyNumber,
        sas: p.sas,
        stream: streams.get(p.id),
      }));
      setState({ status: 'joined', error: undefined, participants, callCode: r.callCode });
    };

    setState((s) => ({ ...s, status: 'joining', error: undefined }));
    (async () => {
      const { token: joinToken, iceServers: ice = [] } = joinExtras.current;
      signaling = await WebSocketSignaling.connect({ url: relayUrl, roomId, token: joinToken });
      if (cancelled) return;
      const r = await joinRoom({ roomId, identity: createIdentity({ displayName }), signaling, localStream, iceServers: ice });
      room = r;
      if (cancelled) return void r.leave();
      for (const event of ['participant-joined', 'e2ee-state', 'call-code'] as const) r.on(event, () => publish(r));
      r.on('participant-left', (p) => {
        streams.delete(p.id);
        publish(r);
      });
      r.on('track', (_track, stream, p) => {
        streams.set(p.id, stream);
        publish(r);
      });
      r.on('error', (e) => console.warn(`sealrtc: ${e.code}`));
      publish(r);
    })().catch((e: unknown) => {
      if (cancelled) return;
      setState((s) => ({ ...s, status: 'error', error: e instanceof SealError ? e.code : String(e) }));
    });

    return () => {
      cancelled = true;
      void (room ? room.leave() : Promise.resolve()).finally(() => signaling?.close());
    };
  }, [roomId, displayName, relayUrl, localStream]);

  return state;
}
