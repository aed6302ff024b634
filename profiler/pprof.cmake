# The pprof writer's output side (pprof_writer.cc is listed with the core):
# the profile model and its string table (pprof_model), the hand-written
# protobuf wire format (proto_wire) and encoder (pprof_encode). No library is
# linked for it: liblcprof.so loads no libprotobuf (docs/architecture.md,
# "Linking").
target_sources(lcprof_core PRIVATE
  profiler/pprof_model.cc
  profiler/proto_wire.cc
  profiler/pprof_encode.cc)
