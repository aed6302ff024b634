// One-line messages from lcprof on stderr, each starting with "lcprof: ".
// Control path only (formats with vsnprintf).
#pragma once

namespace lcprof {

void LogLine(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace lcprof
