# proto/resp/local.mk
