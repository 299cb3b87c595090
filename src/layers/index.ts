/** Every layer type, registered explicitly (bundler-safe). One line per layer. */
import type { LayerType } from '../core/layer.js';
import { InnerProduct } from './inner-product.js';

export const layerTypes: ReadonlyMap<string, LayerType<any>> = new Map<string, LayerType<any>>(
  [
    InnerProduct,
  ].map((t) => [t.type, t]),
);
