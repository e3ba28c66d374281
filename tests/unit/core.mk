# tests/unit/core.mk -- unit tests for core
