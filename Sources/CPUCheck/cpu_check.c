// Refuses to run on an x86-64 CPU without AVX2 and FMA, with a message, before any Swift code
// runs: the package compiles every Swift target for Haswell (AVX2 + FMA, Package.swift), so on an
// older CPU the first vector instruction would otherwise kill the process with SIGILL. This file
// itself is compiled for the baseline x86-64 (no -mavx2), so the check runs anywhere.
// GLYFFUSER_SKIP_CPU_CHECK=1 skips it (for a binary built with TARGET_CPU=x86-64).
#include "cpu_check.h"

#if defined(__x86_64__)
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void glyffuser_cpu_check(void) {
  const char *skip = getenv("GLYFFUSER_SKIP_CPU_CHECK");
  if (skip && strcmp(skip, "1") == 0) return;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return;
  static const char message[] =
      "glyffuser: this CPU lacks AVX2 or FMA, which this build requires (x86-64-v3, e.g. Intel "
      "Haswell or AMD Zen and later). Build for this CPU instead with `make build "
      "TARGET_CPU=native` (or TARGET_CPU=x86-64 and GLYFFUSER_SKIP_CPU_CHECK=1).\n";
  (void)!write(2, message, sizeof message - 1);
  _exit(1);
}
#endif

int glyffuser_cpu_check_linked(void) { return 1; }
