/** Cortado for Node.js: everything in the browser API, plus backends chosen at run time, files and snapshots. */
export * from '../index.js';
import './layers.js';
import './net-weights.js';
export { createBackend, BACKEND_NAMES, type BackendName } from './backends.js';
export { NativeBackend } from '../backend/native/native-backend.js';
export { CudaBackend } from '../backend/cuda/cuda-backend.js';
export { loadCuda, type CudaOptions } from '../backend/cuda/load.js';
export { Snapshot, saveSnapshot, loadFrom, type LoadOptions } from './snapshot.js';
export { statisticsFile, readStatistics } from './statistics-file.js';
export { ImageClassifier, RASTER_FORMATS, type ClassifierOptions, type Classification, type ImageSource } from './classifier.js';
export { readDefinition, resolveSources, type Definition } from './definition.js';
export { train, type TrainOptions, type TrainResult } from './train.js';
export { lockFolder, moveAsidePreviousRun, LockError, type FolderLock } from './run-folder.js';
export { StopOnSignal, signalExitCode } from './stop-on-signal.js';
export { loadMnist } from '../data/mnist.js';
export { writeSnapshot, readSnapshot, latestSnapshot, listSnapshots, readParamsFile, saveWeights, loadWeights, type SnapshotData, type ArrayEntry } from '../io/snapshot.js';
export { readIdx } from '../data/mnist.js';
export { importCaffe, exportCaffe, importCaffeMean, type CaffeImport, type CaffeExport, type CaffeNet } from '../io/caffe/index.js';
