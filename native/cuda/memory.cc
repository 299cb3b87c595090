// Device memory: allocation, copies at the edges, and waiting for the queue.
#include "addon.h"

// ---------------------------------------------------------------- memory

/** malloc(bytes) -> zero-filled device pointer (at least 4 bytes are taken). */
napi_value Malloc(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double bytes;
  if (!getArgs(env, info, 1, argv, "malloc") || !readyOrThrow(env, "malloc") ||
      !getNumber(env, argv[0], bytes, "malloc", 0))
    return nullptr;
  size_t n = bytes < 4 ? 4 : static_cast<size_t>(bytes);
  n = (n + 3) & ~static_cast<size_t>(3);
  CUdeviceptr p = 0;
  CUresult r = S.libs.cu.cuMemAlloc_v2(&p, n);
  if (r != CUDA_SUCCESS) {
    size_t freeMem = 0, total = 0;
    S.libs.cu.cuMemGetInfo_v2(&freeMem, &total);
    throwError(env, "CUDA: cannot allocate " + std::to_string(n) + " bytes on the device (" +
                        std::to_string(freeMem >> 20) + " MiB free of " + std::to_string(total >> 20) +
                        " MiB): " + cuErrorText(r));
    return nullptr;
  }
  if (p >= (1ull << 53)) {
    S.libs.cu.cuMemFree_v2(p);
    throwError(env, "CUDA: a device address above 2^53 cannot be held as a JavaScript number");
    return nullptr;
  }
  if (!cuOk(env, S.libs.cu.cuMemsetD32Async(p, 0, n / 4, nullptr), "cuMemsetD32Async")) return nullptr;
  return makeNumber(env, static_cast<double>(p));
}

napi_value Free(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  CUdeviceptr p;
  if (!getArgs(env, info, 1, argv, "free") || !readyOrThrow(env, "free") || !getPtr(env, argv[0], p, "free", 0)) return nullptr;
  if (!cuOk(env, S.libs.cu.cuMemFree_v2(p), "cuMemFree")) return nullptr;
  return undefinedValue(env);
}

/** memset32(ptr, bits, count): `count` 32-bit words set to `bits`. */
napi_value Memset32(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  CUdeviceptr p;
  double bits, count;
  if (!getArgs(env, info, 3, argv, "memset32") || !readyOrThrow(env, "memset32") ||
      !getPtr(env, argv[0], p, "memset32", 0) || !getNumber(env, argv[1], bits, "memset32", 1) ||
      !getNumber(env, argv[2], count, "memset32", 2))
    return nullptr;
  if (count <= 0) return undefinedValue(env);
  CUresult r = S.libs.cu.cuMemsetD32Async(p, static_cast<unsigned int>(bits), static_cast<size_t>(count), S.stream);
  if (!cuOk(env, r, "cuMemsetD32Async")) return nullptr;
  return undefinedValue(env);
}

/** upload(ptr, typedArray): queued; the host array may be reused as soon as this returns. */
napi_value Upload(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  CUdeviceptr p;
  if (!getArgs(env, info, 2, argv, "upload") || !readyOrThrow(env, "upload") || !getPtr(env, argv[0], p, "upload", 0)) return nullptr;
  void* data;
  size_t bytes;
  if (!getBytes(env, argv[1], data, bytes)) {
    throwError(env, "cortado_cuda.upload: expected a typed array");
    return nullptr;
  }
  if (bytes == 0) return undefinedValue(env);
  if (!cuOk(env, S.libs.cu.cuMemcpyHtoDAsync_v2(p, data, bytes, nullptr), "cuMemcpyHtoDAsync")) return nullptr;
  return undefinedValue(env);
}

/** download(ptr, typedArray): waits for queued work, then fills the whole typed array. */
napi_value Download(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  CUdeviceptr p;
  if (!getArgs(env, info, 2, argv, "download") || !readyOrThrow(env, "download") || !getPtr(env, argv[0], p, "download", 0)) return nullptr;
  void* data;
  size_t bytes;
  if (!getBytes(env, argv[1], data, bytes)) {
    throwError(env, "cortado_cuda.download: expected a typed array");
    return nullptr;
  }
  if (bytes == 0) return undefinedValue(env);
  if (!cuOk(env, S.libs.cu.cuMemcpyDtoH_v2(data, p, bytes), "cuMemcpyDtoH (an earlier kernel may have failed)")) return nullptr;
  return undefinedValue(env);
}

/** copy(dst, src, bytes): device to device, queued. */
napi_value Copy(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  CUdeviceptr dst, src;
  double bytes;
  if (!getArgs(env, info, 3, argv, "copy") || !readyOrThrow(env, "copy") || !getPtr(env, argv[0], dst, "copy", 0) ||
      !getPtr(env, argv[1], src, "copy", 1) || !getNumber(env, argv[2], bytes, "copy", 2))
    return nullptr;
  if (bytes <= 0) return undefinedValue(env);
  if (!cuOk(env, S.libs.cu.cuMemcpyDtoDAsync_v2(dst, src, static_cast<size_t>(bytes), S.stream), "cuMemcpyDtoDAsync")) return nullptr;
  return undefinedValue(env);
}

napi_value Synchronize(napi_env env, napi_callback_info info) {
  if (!readyOrThrow(env, "synchronize")) return nullptr;
  if (!cuOk(env, S.libs.cu.cuCtxSynchronize(), "cuCtxSynchronize (an earlier kernel failed)")) return nullptr;
  return undefinedValue(env);
}

/** memInfo() -> [free bytes, total bytes]. */
napi_value MemInfo(napi_env env, napi_callback_info info) {
  if (!readyOrThrow(env, "memInfo")) return nullptr;
  size_t freeMem = 0, total = 0;
  if (!cuOk(env, S.libs.cu.cuMemGetInfo_v2(&freeMem, &total), "cuMemGetInfo")) return nullptr;
  napi_value arr;
  napi_create_array_with_length(env, 2, &arr);
  napi_set_element(env, arr, 0, makeNumber(env, static_cast<double>(freeMem)));
  napi_set_element(env, arr, 1, makeNumber(env, static_cast<double>(total)));
  return arr;
}
