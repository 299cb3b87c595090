/**
 * Choosing a backend at run time: 'js' (the TypeScript reference), 'native' (the C++ addon),
 * 'cuda' (an NVIDIA GPU), or 'auto' (CUDA if usable, else native, else js).
 */
import type { Backend, DType } from '../backend/backend.js';
import { BackendError } from '../core/errors.js';
import { JsBackend } from '../backend/js/js-backend.js';
import { NativeBackend } from '../backend/native/native-backend.js';
import { loadNativeAddon, nativeLoadError } from '../backend/native/load.js';
import { loadCuda } from '../backend/cuda/load.js';

export type BackendName = 'auto' | 'js' | 'native' | 'cuda';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'js', 'native', 'cuda'];

let notified = false;

/** Makes a backend; throws a BackendError naming what is missing when the one asked for cannot start. */
export function createBackend(name: BackendName = 'auto', dtype: DType = 'float32'): Backend {
  switch (name) {
    case 'js':
      return new JsBackend(dtype);
    case 'native': {
      if (!loadNativeAddon()) throw new BackendError(`the native backend is not available: ${nativeLoadError()}`);
      return new NativeBackend(dtype);
    }
    case 'cuda': {
      const r = loadCuda({ dtype });
      if (!r.backend) throw new BackendError(`the CUDA backend cannot start: ${r.error}`);
      return r.backend;
    }
    case 'auto': {
      if (dtype === 'float32' && process.env.CORTADO_NO_CUDA === undefined) {
        const r = loadCuda();
        if (r.backend) return r.backend;
      }
      if (loadNativeAddon()) return new NativeBackend(dtype);
      if (!notified) {
        notified = true;
        console.error(`cortado: native backend unavailable (${nativeLoadError()}); using the TypeScript backend`);
      }
      return new JsBackend(dtype);
    }
    default:
      throw new BackendError(`unknown backend "${name as string}"; choose one of ${BACKEND_NAMES.join(', ')}`);
  }
}
