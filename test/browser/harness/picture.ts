/**
 * Page-side helpers for sealrtc's real-browser tests: a distinctive canvas pattern to send, and
 * a comparison of a received `<video>` picture with it.
 *
 * The comparison downscales both pictures to 64x48 greys and takes the mean absolute difference
 * (0–255): a correctly decrypted picture scores ≈ 0–5 (codec loss, the small ticking corner), a
 * garbage or flat picture ≈ 45–60, and "no picture at all" scores 255. A keyless receiver may
 * decode a few garbage frames, so a frame counter alone is never proof; this is.
 */

/** Side of the comparison grid. */
export const GRID_W = 64;
export const GRID_H = 48;

/** Grey levels of the 4x3 blocks (distinct, spread over the range, no two neighbours alike). */
const BLOCKS = [20, 230, 90, 160, 240, 40, 130, 200, 60, 180, 10, 110] as const;

/**
 * Draws the sealrtc test pattern: 4x3 grey blocks, a white diagonal band, and a small ticking
 * square in the bottom-right corner so the canvas keeps producing frames.
 */
export function drawPattern(g: CanvasRenderingContext2D, w: number, h: number, tick: number): void {
  const bw = w / 4;
  const bh = h / 3;
  BLOCKS.forEach((v, i) => {
    g.fillStyle = `rgb(${v},${v},${v})`;
    g.fillRect((i % 4) * bw, Math.floor(i / 4) * bh, Math.ceil(bw), Math.ceil(bh));
  });
  g.fillStyle = 'rgb(250,250,250)';
  g.beginPath();
  g.moveTo(0, h * 0.1);
  g.lineTo(w * 0.9, h);
  g.lineTo(w * 0.7, h);
  g.lineTo(0, h * 0.3);
  g.fill();
  const t = (tick * 37) % 255;
  g.fillStyle = `rgb(${t},${255 - t},${t})`;
  g.fillRect(w * 0.94, h * 0.94, w * 0.06, h * 0.06);
}

/** A canvas stream of the pattern at `fps` (redrawn every frame). */
export function startPatternStream(width: number, height: number, fps = 20): { stream: MediaStream; stop: () => void } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2d canvas');
  let tick = 0;
  drawPattern(g, width, height, tick);
  const timer = setInterval(() => drawPattern(g, width, height, ++tick), 1000 / fps);
  const stream = canvas.captureStream(fps);
  return { stream, stop: () => (clearInterval(timer), stream.getTracks().forEach((t) => t.stop())) };
}

/** `source` scaled to the GRID_W x GRID_H grid, as grey levels. */
export function greys(source: CanvasImageSource): Float32Array {
  const c = document.createElement('canvas');
  c.width = GRID_W;
  c.height = GRID_H;
  const g = c.getContext('2d', { willReadFrequently: true });
  if (!g) throw new Error('no 2d canvas');
  g.drawImage(source, 0, 0, GRID_W, GRID_H);
  const px = g.getImageData(0, 0, GRID_W, GRID_H).data;
  const out = new Float32Array(GRID_W * GRID_H);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * px[i * 4]! + 0.587 * px[i * 4 + 1]! + 0.114 * px[i * 4 + 2]!;
  return out;
}

/** Mean absolute grey difference between two pictures on the grid (0 = the same; 255 = opposite). */
export function greyDifference(a: CanvasImageSource, b: CanvasImageSource): number {
  const [x, y] = [greys(a), greys(b)];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
  return sum / x.length;
}

/** The reference greys of the pattern, as drawn at `width`x`height`. */
export function patternGreys(width: number, height: number): Float32Array {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const g = c.getContext('2d');
  if (!g) throw new Error('no 2d canvas');
  drawPattern(g, width, height, 0);
  return greys(c);
}

/**
 * Mean absolute grey difference between what `video` shows now and the pattern; 255 when the
 * element has no picture at all.
 */
export function pictureDifference(video: HTMLVideoElement): number {
  if (video.videoWidth === 0 || video.videoHeight === 0) return 255;
  const seen = greys(video);
  const want = patternGreys(video.videoWidth, video.videoHeight);
  let sum = 0;
  for (let i = 0; i < seen.length; i++) sum += Math.abs(seen[i]! - want[i]!);
  return sum / seen.length;
}

/** An audio track carrying a pure tone (the receiver checks the tone arrives intact). */
export function startTone(hz: number): { track: MediaStreamTrack; stop: () => void } {
  const ac = new AudioContext();
  const osc = ac.createOscillator();
  osc.frequency.value = hz;
  const dst = ac.createMediaStreamDestination();
  osc.connect(dst);
  osc.start();
  const track = dst.stream.getAudioTracks()[0];
  if (!track) throw new Error('no audio track');
  return { track, stop: () => (osc.stop(), void ac.close()) };
}

/**
 * Listens to a received audio stream and reports the dominant frequency and how far (dB) it stands
 * above the median bin — a decrypted tone stands out, silence or decoder garbage does not.
 */
export function listen(stream: MediaStream): () => { peakHz: number; peakOverMedianDb: number } {
  // Chromium only feeds remote WebRTC audio into Web Audio while a media element plays it.
  const el = document.createElement('audio');
  el.muted = true;
  el.srcObject = stream;
  void el.play();
  const ac = new AudioContext();
  const analyser = ac.createAnalyser();
  analyser.fftSize = 2048;
  ac.createMediaStreamSource(stream).connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  return () => {
    analyser.getFloatFrequencyData(bins);
    let peak = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i]! > bins[peak]!) peak = i;
    const sorted = [...bins].filter(Number.isFinite).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? -Infinity;
    const top = bins[peak] ?? -Infinity;
    return {
      peakHz: (peak * ac.sampleRate) / analyser.fftSize,
      peakOverMedianDb: Number.isFinite(top) && Number.isFinite(median) ? top - median : 0,
    };
  };
}

/**
 * Show a received stream in a muted, autoplaying `<video>` and count the frames it presents
 * (`requestVideoFrameCallback`), so a test can wait for decoding and compare the picture.
 */
export function showVideo(stream: MediaStream): { el: HTMLVideoElement; frames: number } {
  const el = document.createElement('video');
  el.muted = true;
  el.autoplay = true;
  el.playsInline = true;
  el.srcObject = stream;
  document.body.append(el);
  const entry = { el, frames: 0 };
  const count = (): void => {
    entry.frames++;
    el.requestVideoFrameCallback(count);
  };
  el.requestVideoFrameCallback(count);
  void el.play();
  return entry;
}
