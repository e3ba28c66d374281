# modules/strings/local.mk
