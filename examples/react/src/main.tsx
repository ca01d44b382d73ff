/**
 * Entry of the React example. Open `/?room=<room>&name=<your name>&relay=ws://<relay>`.
 */
import { createRoot } from 'react-dom/client';
import { Call } from './Call';

const params = new URLSearchParams(location.search);
const relayUrl = params.get('relay') ?? `ws://${location.hostname}:8787`;

createRoot(document.getElementById('root')!).render(
  <Call roomId={params.get('room') ?? 'demo'} displayName={params.get('name') ?? 'guest'} relayUrl={relayUrl} />,
);
