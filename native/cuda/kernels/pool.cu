// Max and mean pooling over [num, channels, height, width] with Caffe's windows: a window starts
// at p * stride - pad; max windows are clipped to the image; mean windows divide by the window
// clipped to the padded image (height + pad), then sum only the pixels inside the image. The
// backward passes gather over the windows that cover each input pixel, so they overwrite dx and
// need no atomics.
#include "common.cuh"

/**
 * y = max over the window; mask = argmax as h * width + w in the plane (first maximum wins); a
 * window that misses the image gives y = 0 and mask = -1.
 */
extern "C" __global__ void max_pool_fwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                            int kernelW, int strideH, int strideW, int padH, int padW,
                                            const float* x, float* y, float* mask) {
  CORTADO_LOOP(idx, nc * outH * outW) {
    int pw = idx % outW, ph = (idx / outW) % outH, plane = idx / (outW * outH);
    int hs = ph * strideH - padH, ws = pw * strideW - padW;
    int he = cortadoMin(hs + kernelH, height), we = cortadoMin(ws + kernelW, width);
    hs = cortadoMax(hs, 0);
    ws = cortadoMax(ws, 0);
    if (hs >= he || ws >= we) {
      // Caffe's output size can leave a last window past the image (stride > kernel, no pad).
      y[idx] = 0.0f;
      mask[idx] = -1.0f;
      continue;
    }
    const float* xp = x + plane * height * width;
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
    y[idx] = best;
    mask[idx] = (float)arg;
  }
}

/** dx[pixel] = sum of dy over the windows whose recorded argmax is this pixel. */
extern "C" __global__ void max_pool_bwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                            int kernelW, int strideH, int strideW, int padH, int padW,
                                            const float* dy, const float* mask, float* dx) {
  CORTADO_LOOP(idx, nc * height * width) {
    int w = idx % width, h = (idx / width) % height, plane = idx / (width * height);
    int phs = (h + padH < kernelH) ? 0 : (h + padH - kernelH) / strideH + 1;
    int phe = cortadoMin((h + padH) / strideH + 1, outH);
    int pws = (w + padW < kernelW) ? 0 : (w + padW - kernelW) / strideW + 1;
    int pwe = cortadoMin((w + padW) / strideW + 1, outW);
    const float* dyp = dy + plane * outH * outW;
    const float* mp = mask + plane * outH * outW;
    float me = (float)(h * width + w), g = 0.0f;
    for (int ph = phs; ph < phe; ph++) {
      for (int pw = pws; pw < pwe; pw++) {
        if (mp[ph * outW + pw] == me) g += dyp[ph * outW + pw];
      }
    }
    dx[idx] = g;
  }
}

/** y = sum over the window inside the image / size of the window clipped to the padded image. */
extern "C" __global__ void mean_pool_fwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                             int kernelW, int strideH, int strideW, int padH, int padW,
                                             const float* x, float* y) {
  CORTADO_LOOP(idx, nc * outH * outW) {
    int pw = idx % outW, ph = (idx / outW) % outH, plane = idx / (outW * outH);
    int hs = ph * strideH - padH, ws = pw * strideW - padW;
    int he = cortadoMin(hs + kernelH, height + padH), we = cortadoMin(ws + kernelW, width + padW);
    float size = (float)((he - hs) * (we - ws));
    hs = cortadoMax(hs, 0);
    ws = cortadoMax(ws, 0);
    he = cortadoMin(he, height);
    we = cortadoMin(we, width);
    const float* xp = x + plane * height * width;
    float s = 0.0f;
    for (int h = hs; h < he; h++) {
      for (int w = ws; w < we; w++) s += xp[h * width + w];
    }
    y[idx] = (hs >= he || ws >= we) ? 0.0f : s / size;  // a window past the image pools nothing
  }
}

/** dx[pixel] = sum of dy / window size over the windows covering the pixel. */
extern "C" __global__ void mean_pool_bwd_f32(int nc, int height, int width, int outH, int outW, int kernelH,
                                             int kernelW, int strideH, int strideW, int padH, int padW,
                                             const float* dy, float* dx) {
  CORTADO_LOOP(idx, nc * height * width) {
    int w = idx % width, h = (idx / width) % height, plane = idx / (width * height);
    int hp = h + padH, wp = w + padW;
    int phs = (hp < kernelH) ? 0 : (hp - kernelH) / strideH + 1;
    int phe = cortadoMin(hp / strideH + 1, outH);
    int pws = (wp < kernelW) ? 0 : (wp - kernelW) / strideW + 1;
    int pwe = cortadoMin(wp / strideW + 1, outW);
    const float* dyp = dy + plane * outH * outW;
    float g = 0.0f;
    for (int ph = phs; ph < phe; ph++) {
      for (int pw = pws; pw < pwe; pw++) {
        int hs = ph * strideH - padH, ws = pw * strideW - padW;
        int he = cortadoMin(hs + kernelH, height + padH), we = cortadoMin(ws + kernelW, width + padW);
        g += dyp[ph * outW + pw] / (float)((he - hs) * (we - ws));
      }
    }
    dx[idx] = g;
  }
}
