/**
 * Cortado's browser-safe API: the core, the TypeScript backend, the layers and the solver. Nothing
 * here imports Node-only modules. In Node, import 'cortado' for this plus files, snapshots, the
 * native and CUDA backends. The wasm backend runs in both: here, `await loadWasmModule()` first
 * (and `await loadWasmThreadsModule()` for `new WasmBackend('float32', { threads })`).
 */
export type * from './backend/backend.js';
export { JsBackend } from './backend/js/js-backend.js';
export { WasmBackend, wasmBackend, type WasmBackendOptions } from './backend/wasm/wasm-backend.js';
export {
  loadWasmModule, setWasmModule, wasmModule, defaultWasmUrl,
  loadWasmThreadsModule, setWasmThreadsModule, wasmThreadsModule, defaultWasmThreadsUrl,
  relaxedSimdSupported, wasmFileName, type WasmSimd,
} from './backend/wasm/module.js';
export {
  threadsUnavailable, setWasmWorkerSpawner, runWasmThread, type SpawnWasmWorker, type WasmThreadStart, type WorkerLike,
} from './backend/wasm/threads.js';
export { WebGpuBackend } from './backend/webgpu/webgpu-backend.js';
export { connectWebGpu, type ConnectOptions } from './backend/webgpu/browser.js';
export { Blob, countOf, type Shape } from './core/blob.js';
export { ConfigError, ShapeError, NumericError, DataError, BackendError } from './core/errors.js';
export { Layer, type LayerConfig, type LayerType, type BaseConfig, type Param, type ParamSpec, type Phase, type LayerContext } from './core/layer.js';
export { Net, type NetOptions, type LayerTypes } from './net.js';
export { timeNet, timingTable, type TimeOptions, type NetTiming, type LayerTiming } from './core/timing.js';
export { deployDefinition, type DeployOptions } from './core/deploy.js';
export { Random } from './core/random.js';
export { layerTypes, standardLayerTypes, withLayerTypes } from './layers/index.js';
export { constant, gaussian, uniform, xavier, msra, type Initializer } from './initializers/initializer.js';
export { Solver, parseSolverConfig, type SolverConfig, type SolverSettings, type SolverState, type SolverMethod, type Regularization } from './solver/solver.js';
export type { LossScaleConfig, LossScaleSettings, LossScaleState } from './solver/loss-scale.js';
export { DashboardRecorder, layerRows, type DashboardState, type LayerRow } from './dashboard/state.js';
export { captureSamples, type SamplePrediction } from './dashboard/samples.js';
export { renderDashboard, dashboardPage, DASHBOARD_CSS, COMPONENT as DASHBOARD_COMPONENT } from './dashboard/view.js';
export { TrainerWorker, webWorkerEndpoint, type TrainerResult, type WebWorkerLike } from './worker/trainer-worker.js';
export { serveTrainer } from './worker/trainer.js';
export type { TrainJob, TrainStats, ToWorker, FromWorker, Endpoint } from './worker/protocol.js';
export type { GradientSync } from './solver/gradient-sync.js';
export type { Shard } from './core/shard.js';
export { yieldToEventLoop, YieldBudget, parseYieldEvery, DEFAULT_YIELD_EVERY, type YieldEvery } from './solver/yield.js';
export { learningRate, momentumAt, type LrPolicy, type MomentumPolicy } from './solver/policies.js';
export type { CoffeeBreak, BreakSchedule } from './solver/coffee/coffee-break.js';
export { CoffeeLounge, type Statistics, type StatisticsStore } from './solver/coffee/lounge.js';
export { TrainingSummary } from './solver/coffee/training-summary.js';
export { ValidationPerformance } from './solver/coffee/validation-performance.js';
export { DecayOnValidation, type DecayOnValidationOptions } from './solver/coffee/decay-on-validation.js';
export { EarlyStopping, type EarlyStoppingOptions } from './solver/coffee/early-stopping.js';
export { InputLayer, type InputConfig } from './layers/input.js';
export { MemoryOutputLayer } from './layers/memory-output.js';
export type { PredictInputs, PredictOptions } from './core/predict.js';
export { plotStatistics, type ChartOptions } from './plot/chart.js';
