# tests/unit/datakit.mk -- unit tests for datakit
