/**
 * ONNX model exchange (docs/model-exchange.md): exportOnnx, importOnnx.
 * Browser-safe (no Node module); it depends on the protobufjs package.
 */
export { exportOnnx, OPSET, type OnnxSource } from './export.js';
export { importOnnx, type OnnxImport, type OnnxImportOptions } from './import.js';
