// gzip output through a dlopen'ed zlib, or in stored blocks; see
// gzip_writer.h.
#include "profiler/output/gzip_writer.h"

#include <dlfcn.h>
#include <unistd.h>
#include <zlib.h>  // types and constants only: the functions come from dlsym

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "profiler/output/crc32.h"

namespace lcprof {
namespace {

// Writes that fill a 64 KiB buffer: few syscalls, a small heap block (the
// writer may run on a thread with a small stack, inside exit()).
constexpr size_t kChunk = 64 * 1024;

// zlib's fastest level: on a compiler's profile it wrote 10% more than
// level 6 in a third of the time (docs/pprof-output.md); the file is written
// as the program stops or exits, where time matters more.
constexpr int kZlibLevel = 1;

bool WriteAll(int fd, const char* p, size_t n, std::string* error) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      *error = w < 0 ? strerror(errno) : "short write";
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// The deflate entry points, resolved in libz.so.1 by name. Types come from
// zlib.h, so a mismatch fails to compile instead of at run time.
struct Zlib {
  decltype(&::deflateInit2_) init = nullptr;
  decltype(&::deflate) deflate = nullptr;
  decltype(&::deflateEnd) end = nullptr;
};

// Sanitizer runtimes (ASan, TSan, MSan) intercept dlopen and end the process
// when asked for RTLD_DEEPBIND; this interface function is in all of them.
bool SanitizerRuntimeLoaded() {
  return dlsym(RTLD_DEFAULT, "__sanitizer_set_report_path") != nullptr;
}

// libz.so.1 calls its own exported functions (crc32, deflateReset, ...)
// through its PLT. Bound the usual way, a program that exports those names
// itself (node carries its own zlib; any program may define a crc32) would
// have them called with our streams. RTLD_DEEPBIND binds libz to itself and
// libc first. RTLD_LOCAL keeps its names out of the program's namespace.
// Where DEEPBIND cannot be used, zlib is not used.
Zlib OpenZlib() {
  Zlib z;
  if (SanitizerRuntimeLoaded()) return z;
  void* lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (lib == nullptr) return z;
  z.init = reinterpret_cast<decltype(z.init)>(dlsym(lib, "deflateInit2_"));
  z.deflate = reinterpret_cast<decltype(z.deflate)>(dlsym(lib, "deflate"));
  z.end = reinterpret_cast<decltype(z.end)>(dlsym(lib, "deflateEnd"));
  if (z.init == nullptr || z.deflate == nullptr || z.end == nullptr) {
    dlclose(lib);
    return Zlib{};
  }
  return z;  // the handle is kept open: the functions stay valid
}

// Opened once per process, on the first call (control path, thread-safe
// static initialisation).
const Zlib& LoadedZlib() {
  static const Zlib z = OpenZlib();
  return z;
}

// Deflate with gzip framing: windowBits 15 + 16 makes zlib write the gzip
// header (no name, mtime 0) and the CRC-32/length trailer itself.
bool WriteDeflated(const Zlib& z, int fd, std::string_view data, std::string* error) {
  z_stream zs{};
  if (z.init(&zs, kZlibLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
             static_cast<int>(sizeof(z_stream))) != Z_OK) {
    *error = "zlib: deflateInit2 failed";
    return false;
  }
  std::vector<char> out(kChunk);
  const char* in = data.data();
  size_t remaining = data.size();
  bool ok = true;
  int rc;
  do {
    // avail_in is 32 bits: larger inputs are handed over in slices.
    if (zs.avail_in == 0 && remaining > 0) {
      size_t n = std::min<size_t>(remaining, uInt{1} << 30);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
      zs.avail_in = static_cast<uInt>(n);
      in += n;
      remaining -= n;
    }
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    rc = z.deflate(&zs, remaining == 0 ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) {
      *error = "zlib: deflate failed";
      ok = false;
      break;
    }
    if (!WriteAll(fd, out.data(), out.size() - zs.avail_out, error)) {
      ok = false;
      break;
    }
  } while (rc != Z_STREAM_END);
  z.end(&zs);
  return ok;
}

void PutLe16(char* p, uint32_t v) {
  p[0] = static_cast<char>(v & 0xFF);
  p[1] = static_cast<char>((v >> 8) & 0xFF);
}

void PutLe32(char* p, uint32_t v) {
  PutLe16(p, v & 0xFFFF);
  PutLe16(p + 2, v >> 16);
}

// A gzip member whose deflate stream is stored blocks (RFC 1951 3.2.4):
// per block a byte holding BFINAL and BTYPE 00 (the rest of the byte is the
// padding to the byte boundary), LEN and its complement NLEN, then LEN bytes
// as they are. LEN is at most 65535; an empty input is one empty final block.
bool WriteStored(int fd, std::string_view data, std::string* error) {
  constexpr size_t kMaxBlock = 0xFFFF;
  constexpr size_t kBlockHeader = 5;
  // ID1 ID2, CM = 8 (deflate), FLG = 0 (no name, comment or extra),
  // MTIME = 0 (unknown), XFL = 0, OS = 3 (Unix).
  static constexpr char kHeader[10] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};
  // Sized for the largest block this input needs: a small profile (an empty
  // one is about 500 bytes) must not pay for zeroing 64 KiB of fresh pages.
  std::vector<char> block(kBlockHeader + std::min(data.size(), kMaxBlock));
  if (!WriteAll(fd, kHeader, sizeof kHeader, error)) return false;
  size_t offset = 0;
  do {
    const size_t n = std::min(data.size() - offset, kMaxBlock);
    const bool final = offset + n == data.size();
    block[0] = final ? 1 : 0;
    PutLe16(&block[1], static_cast<uint32_t>(n));
    PutLe16(&block[3], static_cast<uint32_t>(~n & 0xFFFF));
    if (n > 0) std::memcpy(&block[kBlockHeader], data.data() + offset, n);
    if (!WriteAll(fd, block.data(), kBlockHeader + n, error)) return false;
    offset += n;
  } while (offset < data.size());
  char trailer[8];
  PutLe32(trailer, Crc32(0, data.data(), data.size()));
  PutLe32(trailer + 4, static_cast<uint32_t>(data.size()));  // ISIZE: the size mod 2^32
  return WriteAll(fd, trailer, sizeof trailer, error);
}

}  // namespace

bool ZlibAvailable() { return LoadedZlib().init != nullptr; }

bool WriteGzip(int fd, std::string_view data, GzipMethod method, std::string* error) {
  if (method == GzipMethod::kStored) return WriteStored(fd, data, error);
  if (ZlibAvailable()) return WriteDeflated(LoadedZlib(), fd, data, error);
  if (method == GzipMethod::kAuto) return WriteStored(fd, data, error);
  *error = "cannot load libz.so.1 (or it lacks deflate)";
  return false;
}

}  // namespace lcprof
