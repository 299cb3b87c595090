/** The NaN guard (nan-cases.ts) on js, native and a CUDA device when there is one. */
import { availableBackends } from '../harness/backends.js';
import { nanCases } from './nan-cases.js';

for (const entry of await availableBackends()) nanCases(entry);
