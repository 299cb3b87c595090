/**
 * Errors users see. Each names where the problem is (layer, blob, field, file), what was expected
 * and what was found, so that a message alone is enough to fix the definition or the data.
 */

/** A net or layer definition is malformed (unknown type, bad field, duplicate top...). */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Blob shapes do not fit together. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** A loss or a blob became NaN or infinite during training. */
export class NumericError extends Error {
  override name = 'NumericError';
}

/** A file is missing, truncated or not in the expected format. */
export class DataError extends Error {
  override name = 'DataError';
}

/** A backend cannot start or lacks a kernel. */
export class BackendError extends Error {
  override name = 'BackendError';
}

/** `where` as users read it: `layer "conv1" (Convolution)`. */
export function layerRef(name: string, type?: string): string {
  return type ? `layer "${name}" (${type})` : `layer "${name}"`;
}

/** Names quoted and joined, the first `max` of them, then how many more: `"a", "b" (and 3 more)`. */
export function quotedList(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map((n) => `"${n}"`).join(', ');
  return names.length > max ? `${shown} (and ${names.length - max} more)` : shown;
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
