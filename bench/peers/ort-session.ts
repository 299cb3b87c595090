/** The onnxruntime-node session of the bench's peers (onnx-lenet.ts, onnx-vit.ts), and its version. */
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';

/** A session on the CPU execution provider: `threads` intra-op threads, sequential execution, every graph optimization. */
export function cpuSession(model: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

/** The installed onnxruntime-node's version. */
export const ortVersion = (): string => (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
