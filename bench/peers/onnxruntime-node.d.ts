/**
 * The part of onnxruntime-node's API the benchmark and the ONNX tests use. onnxruntime-node is not a dependency
 * (scripts/setup-bench.sh installs it for `npm run bench`), so the project builds without it.
 */
declare module 'onnxruntime-node' {
  export class Tensor {
    constructor(type: 'float32', data: Float32Array, dims: readonly number[]);
    constructor(type: 'int64', data: BigInt64Array, dims: readonly number[]);
    constructor(type: 'bool', data: Uint8Array, dims: readonly number[]);
    readonly data: Float32Array | Int32Array | BigInt64Array;
    readonly dims: readonly number[];
  }
  export interface SessionOptions {
    executionProviders?: string[];
    intraOpNumThreads?: number;
    interOpNumThreads?: number;
    executionMode?: 'sequential' | 'parallel';
    graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  }
  export class InferenceSession {
    static create(model: Uint8Array, options?: SessionOptions): Promise<InferenceSession>;
    run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
  }
}
