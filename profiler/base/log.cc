// See log.h. One write(2) per line, so lines from several processes sharing a
// terminal do not interleave mid-line.
#include "profiler/base/log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "profiler/base/cancellation.h"

namespace lcprof {

namespace {

void WriteLine(const char* format, va_list ap) {
  const CancellationHeld held;
  const int saved_errno = errno;
  char line[1024] = "lcprof: ";
  size_t used = strlen(line);
  int n = vsnprintf(line + used, sizeof line - used - 1, format, ap);
  if (n > 0)
    used += static_cast<size_t>(n) < sizeof line - used - 1 ? static_cast<size_t>(n)
                                                            : sizeof line - used - 2;
  line[used++] = '\n';
  ssize_t ignored = write(STDERR_FILENO, line, used);
  (void)ignored;
  errno = saved_errno;
}

}  // namespace

void LogLine(const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  WriteLine(format, ap);
  va_end(ap);
}

void LogNotice(const char* format, ...) {
  const char* quiet = getenv("LCPROF_QUIET");
  if (quiet != nullptr && strcmp(quiet, "1") == 0) return;
  va_list ap;
  va_start(ap, format);
  WriteLine(format, ap);
  va_end(ap);
}

}  // namespace lcprof
