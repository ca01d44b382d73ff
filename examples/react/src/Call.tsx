/**
 * `<Call>`: a video call component on top of {@link useSealRoom}. It asks for the camera, joins,
 * and shows one tile per participant with its encryption state and safety number, plus the call
 * code everyone should see.
 */
import { useEffect, useRef, useState } from 'react';
import { formatSafetyNumber } from 'sealrtc';
import { useSealRoom, type ParticipantView } from './useSealRoom';

/** Props of {@link Call}. */
export interface CallProps {
  roomId: string;
  displayName: string;
  relayUrl: string;
}

function Tile({ participant }: { participant: ParticipantView }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (video.current) video.current.srcObject = participant.stream ?? null;
  }, [participant.stream]);
  const name = participant.displayName ?? participant.id;
  return (
    <figure data-participant={name} data-e2ee={participant.e2eeState}>
      <video ref={video} autoPlay playsInline muted />
      <figcaption>
        {name} · {participant.e2eeState} · safety number {formatSafetyNumber(participant.safetyNumber)}
      </figcaption>
    </figure>
  );
}

/** Joins `roomId` with the camera for as long as it is mounted. */
export function Call({ roomId, displayName, relayUrl }: CallProps) {
  const [camera, setCamera] = useState<MediaStream | null>(null);
  const [cameraError, setCameraError] = useState<string | undefined>();
  useEffect(() => {
    let stream: MediaStream | undefined;
    let stopped = false;
    navigator.mediaDevices
      .getUserMedia({ video: { width: 640, height: 480 }, audio: false })
      .then((s) => {
        stream = s;
        if (stopped) s.getTracks().forEach((t) => t.stop());
        else setCamera(s);
      })
      .catch((e: unknown) => setCameraError(e instanceof Error ? e.name : String(e)));
    return () => {
      stopped = true;
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, []);

  const call = useSealRoom({ roomId, displayName, relayUrl, localStream: camera });
  const error = cameraError ?? call.error;
  return (
    <main>
      <p id="status" data-joined={call.status === 'joined' ? 'true' : undefined} data-error={error}>
        {error ? `could not join: ${error}` : call.status === 'joined' ? `joined ${roomId} as ${displayName}` : `${call.status}…`}
      </p>
      {call.callCode && <p id="call-code">call code {call.callCode}</p>}
      <div id="grid">
        {call.participants.map((p) => (
          <Tile key={p.id} participant={p} />
        ))}
      </div>
    </main>
  );
}
