dnl keel.m4 -- configure macros shared by every Keel switch: required packages and modules.

dnl KEEL_REQUIRE_PKG(VAR, PKG-SPEC, DEBIAN-PACKAGE)
dnl   pkg-config check that stops configure with a message naming the package to install.
AC_DEFUN([KEEL_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found: install $3 (apt-get install -y $3), or run scripts/deps.sh])])
])

dnl KEEL_MODULE(NAME, DESCRIPTION, DEFAULT)
dnl   Gives each loadable module --enable-module-NAME / --disable-module-NAME, an automake
dnl   conditional MODULE_<NAME>, and appends NAME to KEEL_MODULES_ENABLED.
AC_DEFUN([KEEL_MODULE], [
  AC_ARG_ENABLE([module-$1],
    [AS_HELP_STRING([--disable-module-$1], [do not build the $1 module ($2)])],
    [keel_module_$1=$enableval], [keel_module_$1=$3])
  AM_CONDITIONAL([MODULE_]m4_toupper([$1]), [test "x$keel_module_$1" = xyes])
  AS_IF([test "x$keel_module_$1" = xyes], [KEEL_MODULES_ENABLED="$KEEL_MODULES_ENABLED $1"])
  AC_SUBST([KEEL_MODULES_ENABLED])
])

dnl AX_PTHREAD_SIMPLE: -pthread for gcc/clang on Linux.
AC_DEFUN([AX_PTHREAD_SIMPLE], [
  PTHREAD_CFLAGS=-pthread
  PTHREAD_LIBS=-pthread
  AC_SUBST([PTHREAD_CFLAGS])
  AC_SUBST([PTHREAD_LIBS])
])
