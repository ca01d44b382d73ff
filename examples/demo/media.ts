/**
 * The demo's local media: the camera and microphone when the browser grants them, otherwise a
 * moving canvas test pattern (so the demo also works headless or on a machine with no camera).
 */

/** What this tab sends, and how to stop it. */
export interface LocalMedia {
  stream: MediaStream;
  source: 'camera' | 'pattern';
  stop(): void;
}

const W = 640;
const H = 480;

/** A test card: colour bars, the participant's name and a moving marker so frames keep changing. */
function patternStream(label: string): LocalMedia {
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  const bars = ['#e8e8e8', '#e8d23a', '#3ac9d6', '#3cbf4a', '#c94bc4', '#d2403a', '#3248c8'];
  let tick = 0;
  const draw = (): void => {
    bars.forEach((c, i) => {
      ctx.fillStyle = c;
      ctx.fillRect((i * W) / bars.length, 0, W / bars.length + 1, H * 0.62);
    });
    ctx.fillStyle = '#1d2733';
    ctx.fillRect(0, H * 0.62, W, H * 0.38);
    ctx.fillStyle = '#fff';
    ctx.font = '600 34px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(label, W / 2, H * 0.76);
    ctx.font = '20px system-ui, sans-serif';
    ctx.fillStyle = '#b8c2cc';
    ctx.fillText('no camera: test pattern', W / 2, H * 0.84);
    const x = ((tick * 6) % (W + 80)) - 40;
    ctx.fillStyle = '#ffb000';
    ctx.beginPath();
    ctx.arc(x, H * 0.93, 14, 0, Math.PI * 2);
    ctx.fill();
    tick++;
  };
  draw();
  const timer = setInterval(draw, 50);
  const stream = canvas.captureStream(20);
  return {
    stream,
    source: 'pattern',
    stop: () => {
      clearInterval(timer);
      for (const t of stream.getTracks()) t.stop();
    },
  };
}

/**
 * Camera + microphone, or the test pattern when they are refused or missing (or when
 * `forcePattern` is set, e.g. `#source=pattern` in the URL).
 */
export async function localMedia(label: string, forcePattern: boolean): Promise<LocalMedia> {
  if (!forcePattern && navigator.mediaDevices?.getUserMedia) {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
      return { stream, source: 'camera', stop: () => stream.getTracks().forEach((t) => t.stop()) };
    } catch (e) {
      console.info(`camera unavailable (${e instanceof Error ? e.name : 'error'}): sending a test pattern`);
    }
  }
  return patternStream(label);
}
