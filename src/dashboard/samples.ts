/**
 * Sample predictions for the dashboard: the first few inputs of a validation pass with the class
 * the net predicts and their true label. Browser-safe.
 *
 * Read from a test net after its forward pass: the classifier's scores and the labels are the two
 * bottoms of its first Accuracy layer, the inputs the first top of its first data layer. Each
 * input is drawn as a small grayscale (1 channel, or any shape flattened to one row) or RGB (3
 * channels) image, contrast-stretched to its own minimum and maximum, and kept as a `data:` URL of
 * an uncompressed BMP so that the dashboard state stays plain JSON.
 */
import type { Net } from '../core/net.js';

export interface SamplePrediction {
  /** The input as an image: a data:image/bmp URL. */
  image: string;
  /** Its true class, and the class with the highest score. */
  label: number;
  predicted: number;
}

/** The first `count` samples of the batch `net` last computed, or [] when it has no Accuracy layer or data layer. */
export function captureSamples(net: Net, count = 8): SamplePrediction[] {
  const accuracy = net.layers.find((l) => l.type === 'Accuracy');
  const data = net.dataLayers[0];
  const [scoresName, labelsName] = (accuracy?.config as { bottoms?: string[] } | undefined)?.bottoms ?? [];
  const inputName = (data?.config as { tops?: string[] } | undefined)?.tops?.[0];
  if (!scoresName || !labelsName || !inputName) return [];
  const scores = net.blob(scoresName);
  const labels = net.blob(labelsName).read();
  const input = net.blob(inputName);
  const n = Math.min(count, scores.num, input.num, labels.length);
  const classes = scores.count / scores.num;
  const s = scores.read();
  const x = input.read();
  const per = input.count / input.num;
  const [c, h, w] = imageShape(input.shape.slice(1), per);
  const out: SamplePrediction[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (s[i * classes + k] > s[i * classes + best]) best = k;
    out.push({ image: bmpDataUrl(x.subarray(i * per, (i + 1) * per), c, h, w), label: labels[i], predicted: best });
  }
  return out;
}

/** [channels, height, width] to draw a sample of `shape` (without its batch axis) as. */
function imageShape(shape: number[], per: number): [number, number, number] {
  if (shape.length === 3 && (shape[0] === 1 || shape[0] === 3)) return [shape[0], shape[1], shape[2]];
  if (shape.length === 2) return [1, shape[0], shape[1]];
  return [1, 1, per];
}

/** A 24-bit BMP of a c x h x w (c = 1 or 3, row-major, planar) sample, stretched to 0..255. */
function bmpDataUrl(v: ArrayLike<number>, c: number, h: number, w: number): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < c * h * w; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const stride = (w * 3 + 3) & ~3;
  const bytes = new Uint8Array(54 + stride * h);
  const dv = new DataView(bytes.buffer);
  bytes.set([0x42, 0x4d]); // 'BM'
  dv.setUint32(2, bytes.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, -h, true); // negative height: rows top to bottom
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  dv.setUint32(34, stride * h, true);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 54 + y * stride + x * 3;
      for (let k = 0; k < 3; k++) {
        const plane = c === 3 ? 2 - k : 0; // BMP stores blue, green, red
        bytes[o + k] = Math.round((v[plane * h * w + y * w + x] - lo) * scale);
      }
    }
  }
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return `data:image/bmp;base64,${btoa(bin)}`;
}
