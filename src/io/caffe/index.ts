/**
 * Caffe model exchange (docs/model-exchange.md): importCaffe, exportCaffe, importCaffeMean,
 * importCaffeSolver.
 * Browser-safe (no Node module); it depends on the protobufjs package.
 */
export { importCaffe, type CaffeImport, type CaffeNet, type CaffeFiles } from './import.js';
export { importCaffeMean } from './import-weights.js';
export { exportCaffe, type CaffeExport } from './export.js';
export { importCaffeSolver, type CaffeSolverImport } from './solver.js';
