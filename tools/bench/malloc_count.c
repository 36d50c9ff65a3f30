// malloc_count: counts a process's heap allocations (LD_PRELOAD), for tools/bench/allocations.sh.
//
// Every call of malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign (C++'s new goes
// through malloc) adds one to a counter shared by all threads; at exit the total and the bytes
// asked for are appended to the file $MALLOC_COUNT_OUT as one line "allocations N bytes M".
//
// build: gcc -O2 -shared -fPIC malloc_count.c -o malloc_count.so -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong count, bytes;
static void* (*real_malloc)(size_t);
static void* (*real_calloc)(size_t, size_t);
static void* (*real_realloc)(void*, size_t);
static int (*real_posix_memalign)(void**, size_t, size_t);
static void* (*real_aligned_alloc)(size_t, size_t);
static void* (*real_memalign)(size_t, size_t);

// dlsym() may calloc before real_calloc is known: served from here, never freed.
static char early[4096];
static size_t early_used;

static void resolve(void) {
  if (real_malloc) return;
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
  real_memalign = dlsym(RTLD_NEXT, "memalign");
  real_malloc = dlsym(RTLD_NEXT, "malloc");
}

static void note(size_t size) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&bytes, size, memory_order_relaxed);
}

void* malloc(size_t size) {
  resolve();
  note(size);
  return real_malloc(size);
}

void* calloc(size_t n, size_t size) {
  if (!real_calloc) {
    size_t total = (n * size + 15) & ~(size_t)15;
    if (early_used + total > sizeof early) return NULL;
    void* p = early + early_used;
    early_used += total;
    memset(p, 0, total);
    return p;
  }
  note(n * size);
  return real_calloc(n, size);
}

void* realloc(void* p, size_t size) {
  resolve();
  note(size);
  return real_realloc(p, size);
}

void free(void* p) {
  static void (*real_free)(void*);
  if ((char*)p >= early && (char*)p < early + sizeof early) return;
  if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
  real_free(p);
}

int posix_memalign(void** out, size_t alignment, size_t size) {
  resolve();
  note(size);
  return real_posix_memalign(out, alignment, size);
}

void* aligned_alloc(size_t alignment, size_t size) {
  resolve();
  note(size);
  return real_aligned_alloc(alignment, size);
}

void* memalign(size_t alignment, size_t size) {
  resolve();
  note(size);
  return real_memalign(alignment, size);
}

__attribute__((destructor)) static void report(void) {
  const char* path = getenv("MALLOC_COUNT_OUT");
  if (!path) return;
  FILE* out = fopen(path, "a");
  if (!out) return;
  fprintf(out, "allocations %lu bytes %lu\n", (unsigned long)atomic_load(&count),
          (unsigned long)atomic_load(&bytes));
  fclose(out);
}
