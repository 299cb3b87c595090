/**
 * How an ImageClassifier lays decoded pixels out as the values of its Input (Caffe's test-phase
 * DataTransformer, for models trained on images read by OpenCV):
 *
 *   out[c, y, x] = (P[y + oy, x + ox, from(c)] − mean(c, y, x)) × scale
 *
 * P: the decoded image (bytes 0..255, interleaved), resized to Hr×Wr (`resizeTo`, default the
 * Input's H×W); (oy, ox) = (floor((Hr − H) / 2), floor((Wr − W) / 2)), the centre crop;
 * from(c) = C − 1 − c in BGR order, c in RGB order; mean(c, y, x) = m[c] for a per-channel mean,
 * M[c, y + oy, x + ox] for a mean image of Hr×Wr (cropped with the image, as Caffe's data layer
 * crops its mean file), M[c, y, x] for a mean image of H×W, 0 without a mean. The mean is in the
 * net's channel order (a Caffe mean file is in BGR, as its models are).
 */
import { ConfigError, shapeStr } from '../core/errors.js';

/** A mean image: [C, H, W] or Caffe's [1, C, H, W], row-major (what importCaffeMean returns). */
export interface MeanImage {
  shape: readonly number[];
  values: ArrayLike<number>;
}

export interface Layout {
  /** The Input's sample: channels (1 or 3), height, width. */
  channels: number;
  height: number;
  width: number;
  /** The size the image is resized to before the centre crop (at least height × width). */
  resizeHeight: number;
  resizeWidth: number;
  bgr: boolean;
  /** Per-channel mean (length C), a mean image (C × Hm × Wm, Hm×Wm = H×W or the resized size), or none. */
  mean: { perChannel: Float32Array } | { image: Float32Array; height: number; width: number } | undefined;
  scale: number;
}

/** Checks `resizeTo`, `mean` and `scale` against the Input's sample; `where` prefixes messages. */
export function makeLayout(where: string, input: [number, number, number], bgr: boolean, resizeTo: number | readonly number[] | undefined, mean: readonly number[] | MeanImage | undefined, scale = 1): Layout {
  const [channels, height, width] = input;
  const size = resizeTo === undefined ? [height, width] : typeof resizeTo === 'number' ? [resizeTo, resizeTo] : [...resizeTo];
  if (size.length !== 2 || size.some((d) => !Number.isInteger(d)) || size[0] < height || size[1] < width) {
    throw new ConfigError(`${where}: option "resizeTo" must be a whole number or [height, width] at least the Input's ${height}×${width} (the centre ${height}×${width} is cropped from it), found ${JSON.stringify(resizeTo)}`);
  }
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new ConfigError(`${where}: option "scale" must be a finite number (1 keeps pixels 0..255), found ${String(scale)}`);
  const layout: Layout = { channels, height, width, resizeHeight: size[0], resizeWidth: size[1], bgr, mean: undefined, scale };
  if (mean === undefined) return layout;
  if (Array.isArray(mean)) {
    if (mean.length !== channels || mean.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
      throw new ConfigError(`${where}: option "mean" must hold one number per channel (${channels}, in the net's channel order), found ${JSON.stringify(mean)}`);
    }
    return { ...layout, mean: { perChannel: Float32Array.from(mean) } };
  }
  const m = mean as MeanImage;
  const shape = m.shape?.length === 4 && m.shape[0] === 1 ? m.shape.slice(1) : m.shape ?? [];
  const fits = (h: number, w: number) => shape.length === 3 && shape[0] === channels && shape[1] === h && shape[2] === w;
  if (!fits(height, width) && !fits(size[0], size[1])) {
    const sizes = size[0] === height && size[1] === width ? `[${channels}, ${height}, ${width}]` : `[${channels}, ${height}, ${width}] or [${channels}, ${size[0]}, ${size[1]}] (the resizeTo size)`;
    throw new ConfigError(`${where}: the mean image must have shape ${sizes}, with or without a leading 1, found ${shapeStr([...(m.shape ?? [])])}`);
  }
  return { ...layout, mean: { image: Float32Array.from(m.values), height: shape[1], width: shape[2] } };
}

/** The Input's values (C×H×W) for `data`, the image decoded at resizeHeight × resizeWidth (interleaved bytes). */
export function layoutPixels(data: Uint8Array, l: Layout): Float32Array {
  const { channels: C, height: H, width: W, resizeWidth: Wr } = l;
  const oy = Math.floor((l.resizeHeight - H) / 2);
  const ox = Math.floor((Wr - W) / 2);
  const out = new Float32Array(C * H * W);
  const mean = l.mean;
  // A mean image of the resized size is cropped with the image; one of H×W is used as is.
  const my = mean && 'image' in mean && mean.height !== H ? oy : 0;
  const mx = mean && 'image' in mean && mean.width !== W ? ox : 0;
  for (let c = 0; c < C; c++) {
    const from = l.bgr ? C - 1 - c : c;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let v = data[((y + oy) * Wr + x + ox) * C + from];
        if (mean) v -= 'perChannel' in mean ? mean.perChannel[c] : mean.image[(c * mean.height + y + my) * mean.width + x + mx];
        out[(c * H + y) * W + x] = v * l.scale;
      }
    }
  }
  return out;
}
