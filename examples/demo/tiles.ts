/**
 * The demo's participant tiles: one per remote participant, with its video, display name,
 * end-to-end encryption state, safety number, the code to read aloud, and live frame counters.
 */
import { formatSafetyNumber, type E2EEState, type RemoteParticipant } from 'sealrtc';

/** Plain-language label for each state a participant's incoming media can be in. */
const STATE_LABEL: Record<E2EEState, string> = {
  establishing: 'Securing…',
  encrypted: 'Encrypted end to end',
  failed: 'Not decrypting',
  unencrypted: 'NOT encrypted',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The tiles of the remote participants inside `grid`. */
export class Tiles {
  readonly #grid: HTMLElement;
  readonly #waiting: HTMLElement;

  constructor(grid: HTMLElement, waiting: HTMLElement) {
    this.#grid = grid;
    this.#waiting = waiting;
  }

  /** The tile of `p`, created on first use; refreshed with its current state. */
  show(p: RemoteParticipant): HTMLElement {
    let fig = this.#find(p.id);
    if (!fig) {
      fig = el('figure', 'tile remote');
      fig.dataset.participant = p.id;
      const video = el('video', '');
      video.autoplay = true;
      video.playsInline = true;
      const cap = el('figcaption', '');
      const who = el('div', 'who');
      who.append(el('span', 'name', p.displayName ?? p.id), el('span', 'badge'));
      const sn = el('div', '');
      sn.append(el('span', 'label', 'Safety number'), el('span', 'safety', formatSafetyNumber(p.safetyNumber)));
      const sas = el('div', '');
      sas.append(el('span', 'label', 'Read aloud to compare'), el('span', 'sas', p.sas));
      cap.append(who, sn, sas, el('div', 'detail frames', 'No video yet'));
      fig.append(video, cap);
      this.#grid.insertBefore(fig, this.#waiting);
    }
    fig.dataset.e2ee = p.e2eeState;
    const badge = fig.querySelector('.badge');
    if (badge) badge.textContent = STATE_LABEL[p.e2eeState];
    this.#waiting.hidden = true;
    return fig;
  }

  /** Plays `stream` in `p`'s tile. Sound needs a click when the browser blocks autoplay. */
  attach(p: RemoteParticipant, stream: MediaStream): void {
    const fig = this.show(p);
    const video = fig.querySelector('video');
    if (!video || video.srcObject === stream) return;
    video.srcObject = stream;
    video.play().catch(() => {
      video.muted = true;
      void video.play();
      if (fig.querySelector('.unmute')) return;
      const btn = el('button', 'unmute', 'Click to hear');
      btn.type = 'button';
      btn.onclick = () => {
        video.muted = false;
        btn.remove();
      };
      fig.querySelector('figcaption')?.append(btn);
    });
  }

  /** Updates the frame counters line of participant `id`. */
  counters(id: string, decrypted: number, failed: number): void {
    const line = this.#find(id)?.querySelector('.frames');
    if (!line) return;
    // Rejected frames (a key not yet arrived, tampering) are dropped, never shown.
    line.textContent = `${decrypted} frames decrypted${failed > 0 ? ` · ${failed} rejected` : ''}`;
  }

  remove(id: string): void {
    this.#find(id)?.remove();
    this.#waiting.hidden = this.#grid.querySelector('.tile.remote') !== null;
  }

  clear(): void {
    for (const t of this.#grid.querySelectorAll('.tile.remote')) t.remove();
    this.#waiting.hidden = false;
  }

  #find(id: string): HTMLElement | undefined {
    for (const t of this.#grid.querySelectorAll<HTMLElement>('.tile.remote')) if (t.dataset.participant === id) return t;
    return undefined;
  }
}
