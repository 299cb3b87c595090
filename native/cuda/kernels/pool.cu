// Max and mean pooling over [num, channels, height, width] with Caffe's windows: a window starts
// at p * stride - pad; max windows are clipped to the image; mean windows divide by the window
// clipped to the padded image (height + pad), then sum only the pixels inside the image. The
// backward passes gather over the windows that cover each input pixel, so they overwrite dx and
// need no atomics.
//
// Launched over (pixels of one plane, planes) (CORTADO_PIXEL_LOOP and CORTADO_PLANE_LOOP): x threads
// take a pixel of a plane (an output pixel forward, an input pixel backward), y blocks groups of planes. A thread places its pixel and its
// window, or the range of windows that cover it, once (integer divisions, some twenty instructions
// each) and then runs through planes blockIdx.y, blockIdx.y + gridDim.y, ..., where the work is a
// few loads per window. Placed per element, the divisions outweighed, by an instruction count, the
// element's memory traffic. Each element's sum runs in the same order as in Caffe's kernels.
#include "common.cuh"

/**
 * y = max over the window; mask = argmax as h * width + w in the plane (first maximum wins); a
 * window that misses the image gives y = 0 and mask = -1.
 */
extern "C" __global__ void max_pool_fwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                            int kernelW, int strideH, int strideW, int padH, int padW,
                                            const float* x, float* y, float* mask) {
  const int inPlane = height * width, outPlane = outH * outW;
  CORTADO_PIXEL_LOOP(p, outPlane) {
    int ph = p / outW, pw = p - ph * outW;
    int hs = ph * strideH - padH, ws = pw * strideW - padW;
    int he = cortadoMin(hs + kernelH, height), we = cortadoMin(ws + kernelW, width);
    hs = cortadoMax(hs, 0);
    ws = cortadoMax(ws, 0);
    // Caffe's output size can leave a last window past the image (stride > kernel, no pad).
    const bool empty = hs >= he || ws >= we;
    CORTADO_PLANE_LOOP(plane, nc) {
      const int o = plane * outPlane + p;
      if (empty) {
        y[o] = 0.0f;
        mask[o] = -1.0f;
        continue;
      }
      const float* xp = x + plane * inPlane;
      int arg = hs * width + ws;
      float best = xp[arg];
      for (int h = hs; h < he; h++) {
        for (int w = ws; w < we; w++) {
          float v = xp[h * width + w];
          if (v > best) {
            best = v;
            arg = h * width + w;
          }
        }
      }
      y[o] = best;
      mask[o] = (float)arg;
    }
  }
}

/** dx[pixel] = sum of dy over the windows whose recorded argmax is this pixel. */
extern "C" __global__ void max_pool_bwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                            int kernelW, int strideH, int strideW, int padH, int padW,
                                            const float* dy, const float* mask, float* dx) {
  const int inPlane = height * width, outPlane = outH * outW;
  CORTADO_PIXEL_LOOP(p, inPlane) {
    int h = p / width, w = p - h * width;
    int phs = (h + padH < kernelH) ? 0 : (h + padH - kernelH) / strideH + 1;
    int phe = cortadoMin((h + padH) / strideH + 1, outH);
    int pws = (w + padW < kernelW) ? 0 : (w + padW - kernelW) / strideW + 1;
    int pwe = cortadoMin((w + padW) / strideW + 1, outW);
    const float me = (float)p;
    CORTADO_PLANE_LOOP(plane, nc) {
      const float* dyp = dy + plane * outPlane;
      const float* mp = mask + plane * outPlane;
      float g = 0.0f;
      for (int ph = phs; ph < phe; ph++) {
        for (int pw = pws; pw < pwe; pw++) {
          if (mp[ph * outW + pw] == me) g += dyp[ph * outW + pw];
        }
      }
      dx[plane * inPlane + p] = g;
    }
  }
}

/** y = sum over the window inside the image / size of the window clipped to the padded image. */
extern "C" __global__ void mean_pool_fwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                             int kernelW, int strideH, int strideW, int padH, int padW,
                                             const float* x, float* y) {
  const int inPlane = height * width, outPlane = outH * outW;
  CORTADO_PIXEL_LOOP(p, outPlane) {
    int ph = p / outW, pw = p - ph * outW;
    int hs = ph * strideH - padH, ws = pw * strideW - padW;
    int he = cortadoMin(hs + kernelH, height + padH), we = cortadoMin(ws + kernelW, width + padW);
    const float size = (float)((he - hs) * (we - ws));
    hs = cortadoMax(hs, 0);
    ws = cortadoMax(ws, 0);
    he = cortadoMin(he, height);
    we = cortadoMin(we, width);
    const bool empty = hs >= he || ws >= we;  // a window past the image pools nothing
    CORTADO_PLANE_LOOP(plane, nc) {
      const float* xp = x + plane * inPlane;
      float s = 0.0f;
      for (int h = hs; h < he; h++) {
        for (int w = ws; w < we; w++) s += xp[h * width + w];
      }
      y[plane * outPlane + p] = empty ? 0.0f : s / size;
    }
  }
}

/** dx[pixel] = sum of dy / window size over the windows covering the pixel. */
extern "C" __global__ void mean_pool_bwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                             int kernelW, int strideH, int strideW, int padH, int padW,
                                             const float* dy, float* dx) {
  const int inPlane = height * width, outPlane = outH * outW;
  CORTADO_PIXEL_LOOP(p, inPlane) {
    int h = p / width, w = p - h * width;
    int hp = h + padH, wp = w + padW;
    int phs = (hp < kernelH) ? 0 : (hp - kernelH) / strideH + 1;
    int phe = cortadoMin(hp / strideH + 1, outH);
    int pws = (wp < kernelW) ? 0 : (wp - kernelW) / strideW + 1;
    int pwe = cortadoMin(wp / strideW + 1, outW);
    CORTADO_PLANE_LOOP(plane, nc) {
      const float* dyp = dy + plane * outPlane;
      float g = 0.0f;
      for (int ph = phs; ph < phe; ph++) {
        for (int pw = pws; pw < pwe; pw++) {
          int hs = ph * strideH - padH, ws = pw * strideW - padW;
          int he = cortadoMin(hs + kernelH, height + padH), we = cortadoMin(ws + kernelW, width + padW);
          g += dyp[ph * outW + pw] / (float)((he - hs) * (we - ws));
        }
      }
      dx[plane * inPlane + p] = g;
    }
  }
}
