/**
 * The float64 forward references of the layer-cases table, by family. Each is written from the
 * layer's documented formula with plain loops, never from the layer's or a backend's code.
 */
export type { ForwardReference, ReferenceRow } from './common.js';
export * from './elementwise.js';
export * from './structure.js';
export * from './conv-pool.js';
export * from './normalization.js';
export * from './losses.js';
export * from './data.js';
