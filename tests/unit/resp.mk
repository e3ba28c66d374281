# tests/unit/resp.mk -- unit tests for resp
