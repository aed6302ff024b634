// Writes a byte buffer to a file descriptor as one gzip member (RFC 1952):
// the pprof writer (pprof_writer.h) hands it the encoded profile
// (pprof_encode.h). zlib is not linked: libz.so.1 is opened with dlopen when
// the first file is written, and where it cannot be the data go out in
// stored (uncompressed) deflate blocks, still a valid gzip file that every
// reader accepts. Control path only.
#pragma once

#include <string>
#include <string_view>

namespace lcprof {

enum class GzipMethod {
  kAuto,    // deflate through zlib when libz.so.1 loads, else stored
  kZlib,    // deflate through zlib; fails when libz.so.1 does not load
  kStored,  // stored blocks and our own CRC-32, no zlib
};

// Whether libz.so.1 loads and has the deflate functions. The first call
// opens it, bound to itself before the program (RTLD_DEEPBIND) and out of
// the program's namespace (RTLD_LOCAL); it stays loaded for the process's
// life. False under a sanitizer runtime, which forbids RTLD_DEEPBIND.
bool ZlibAvailable();

// Writes `data` compressed to `fd` (from its current offset). Returns false
// with `error` set to the reason (an errno string, or zlib's complaint) when
// a write fails or `method` cannot be used; what was written by then is
// garbage, and the caller discards the file.
bool WriteGzip(int fd, std::string_view data, GzipMethod method, std::string* error);

}  // namespace lcprof
