// malloc, free and aligned_alloc for the WebAssembly build, over a memory that never grows.
//
// The JavaScript side keeps Float32Array views on the wasm memory, and growing a non-shared
// WebAssembly.Memory detaches every view, so the host sizes the memory once (an imported memory
// of the size the user asked for) and the heap is [__heap_base, memory end). Out of memory is a
// null pointer (the host turns it into a BackendError); inside a kernel it aborts (a trap).
//
// Blocks lie end to end, each a 16-byte header then a payload aligned to 64 bytes; sizes are
// multiples of 64. malloc takes the first free block that fits (splitting it) or extends the
// used region; free merges a block with its free neighbours and gives a free last block back to
// the unused region. A net holds hundreds of blocks, so walking them is cheap beside the kernels.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

extern "C" unsigned char __heap_base;

namespace {

struct Header {
  uint32_t size;       // bytes of the whole block, header included
  uint32_t prev_size;  // of the block just before, 0 for the first
  uint32_t used;
  uint32_t pad;
};

constexpr uintptr_t kAlign = 64, kHeader = sizeof(Header);

uintptr_t g_first = 0, g_top = 0, g_last = 0;  // first block, end of the blocks, last block (0: none)

Header* at(uintptr_t p) { return reinterpret_cast<Header*>(p); }

void* block_alloc(size_t bytes) {
  if (!g_first) {
    uintptr_t base = reinterpret_cast<uintptr_t>(&__heap_base);
    g_first = g_top = (base + kHeader + kAlign - 1) / kAlign * kAlign - kHeader;
  }
  if (bytes > 0x7fff0000u) return nullptr;
  uintptr_t need = (bytes + kHeader + kAlign - 1) / kAlign * kAlign;
  for (uintptr_t p = g_first; p < g_top; p += at(p)->size) {
    Header* h = at(p);
    if (h->used || h->size < need) continue;
    if (h->size - need >= kAlign) {  // the rest becomes a free block
      uintptr_t q = p + need;
      *at(q) = Header{uint32_t(h->size - need), uint32_t(need), 0, 0};
      if (q + at(q)->size < g_top) at(q + at(q)->size)->prev_size = at(q)->size;
      else g_last = q;
      h->size = uint32_t(need);
    }
    h->used = 1;
    return reinterpret_cast<void*>(p + kHeader);
  }
  // The last 64 bytes stay unused: a vector load that starts inside a block never leaves the
  // memory (simd.h's loadl reads whole vectors).
  uintptr_t end = uintptr_t(__builtin_wasm_memory_size(0)) * 65536u - kAlign;
  if (need > end || g_top > end - need) return nullptr;
  *at(g_top) = Header{uint32_t(need), g_last ? at(g_last)->size : 0u, 1, 0};
  g_last = g_top;
  g_top += need;
  return reinterpret_cast<void*>(g_last + kHeader);
}

void block_free(void* ptr) {
  if (!ptr) return;
  uintptr_t p = reinterpret_cast<uintptr_t>(ptr) - kHeader;
  Header* h = at(p);
  h->used = 0;
  uintptr_t next = p + h->size;
  if (next < g_top && !at(next)->used) {  // absorb the next block
    if (next == g_last) g_last = p;
    h->size += at(next)->size;
    if (p + h->size < g_top) at(p + h->size)->prev_size = h->size;
  }
  if (h->prev_size && !at(p - h->prev_size)->used) {  // be absorbed by the previous one
    uintptr_t prev = p - h->prev_size;
    if (p == g_last) g_last = prev;
    at(prev)->size += h->size;
    p = prev;
    h = at(p);
    if (p + h->size < g_top) at(p + h->size)->prev_size = h->size;
  }
  if (p == g_last) {  // a free block at the end goes back to the unused region
    g_top = p;
    g_last = h->prev_size ? p - h->prev_size : 0;
  }
}

#if defined(__wasm_atomics__)
int32_t g_lock = 0;
struct Locked {
  Locked() {
    while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE)) {
    }
  }
  ~Locked() { __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE); }
};
#else
struct Locked {};
#endif

}  // namespace

extern "C" {
void* malloc(size_t bytes) {
  Locked hold;
  return block_alloc(bytes);
}
void free(void* ptr) {
  Locked hold;
  block_free(ptr);
}
// Every block is 64-byte aligned, which is all the kernels ask for.
void* aligned_alloc(size_t alignment, size_t bytes) {
  Locked hold;
  return alignment <= kAlign ? block_alloc(bytes) : nullptr;
}
}
