# tests/unit/datakit_containers.mk -- unit tests for datakit containers (list, map, set, array, flat buffer, sparse bitset)
