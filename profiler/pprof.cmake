# The pprof writer's output side (pprof_writer.cc is listed with the core):
# the hand-written protobuf wire format (proto_wire). No library is linked
# for it: liblcprof.so loads no libprotobuf (docs/architecture.md, "Linking").
target_sources(lcprof_core PRIVATE
  profiler/proto_wire.cc)
