# The profile's output side: the wire encoder (decoded by libprotobuf, linked
# into these tests only).
lcprof_unit_test(proto_wire_test proto_wire_test.cc)
target_link_libraries(proto_wire_test PRIVATE lcprof_proto)
