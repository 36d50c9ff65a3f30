#include <cstdlib>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli.h"

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB), after
  // which the multi-megabyte buffers of a run (a big page's JSON tape, SQLite's sorter, the row
  // writers' arenas) come from the heap and stay resident once freed. A fixed 1 MiB threshold
  // hands them back to the kernel (when introduced, a 1,000,000-fill backfill peaked at ~92 MiB
  // with it and ~129 without; tools/bench measures the current peak). MALLOC_MMAP_THRESHOLD_ in
  // the environment still overrides.
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  return kalshi_direct::cli::main(std::vector<std::string>(argv + 1, argv + argc));
}
