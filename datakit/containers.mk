# datakit/containers.mk -- list, map, set, array, flat buffer, sparse bitset sources
