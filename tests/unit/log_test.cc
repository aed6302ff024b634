// lcprof's stderr lines: errors always, notices unless LCPROF_QUIET=1 (which
// `lcprof record` sets for the tree it runs, so that it alone reports).
#include "profiler/base/log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace lcprof {
namespace {

// What `log` writes to stderr.
template <typename F>
std::string StderrOf(F log) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  const int saved = dup(STDERR_FILENO);
  dup2(pipe_fds[1], STDERR_FILENO);
  log();
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(pipe_fds[1]);
  std::string text;
  char buf[256];
  for (ssize_t n; (n = read(pipe_fds[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<size_t>(n));
  close(pipe_fds[0]);
  return text;
}

TEST(LogTest, NoticesAreQuietUnderLcprofRecordAndErrorsAreNot) {
  unsetenv("LCPROF_QUIET");
  EXPECT_EQ(StderrOf([] { LogNotice("fell back to %s", "thread"); }),
            "lcprof: fell back to thread\n");
  setenv("LCPROF_QUIET", "1", 1);
  EXPECT_EQ(StderrOf([] { LogNotice("fell back to %s", "thread"); }), "");
  EXPECT_EQ(StderrOf([] { LogLine("cannot write '%s'", "x"); }), "lcprof: cannot write 'x'\n");
  setenv("LCPROF_QUIET", "0", 1);
  EXPECT_EQ(StderrOf([] { LogNotice("n"); }), "lcprof: n\n");
  unsetenv("LCPROF_QUIET");
}

}  // namespace
}  // namespace lcprof
