# The profile's output side: the wire encoder and the model encoder (decoded
# by libprotobuf, linked into these tests only).
lcprof_unit_test(proto_wire_test proto_wire_test.cc)
target_link_libraries(proto_wire_test PRIVATE lcprof_proto)
lcprof_unit_test(pprof_encode_test pprof_encode_test.cc)
target_link_libraries(pprof_encode_test PRIVATE lcprof_proto)
