# The pprof writer's output side (pprof_writer.cc is listed with the core):
# the profile model and its string table (pprof_model), the hand-written
# protobuf wire format (proto_wire) and encoder (pprof_encode), and gzip
# through a dlopen'ed zlib or stored blocks (gzip_writer, crc32). No library
# is linked for any of it: liblcprof.so loads no libprotobuf and no zlib
# (docs/architecture.md, "Linking").
target_sources(lcprof_core PRIVATE
  profiler/output/pprof_model.cc
  profiler/output/proto_wire.cc
  profiler/output/pprof_encode.cc
  profiler/output/crc32.cc
  profiler/output/gzip_writer.cc)

# zlib.h gives gzip_writer.cc the types and constants of the functions it
# looks up with dlsym; nothing links against libz.
find_path(LCPROF_ZLIB_INCLUDE_DIR zlib.h REQUIRED)
target_include_directories(lcprof_core SYSTEM PRIVATE ${LCPROF_ZLIB_INCLUDE_DIR})
