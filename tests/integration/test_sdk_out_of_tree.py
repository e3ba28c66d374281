"""test_sdk_out_of_tree.py -- the SDK as a module author gets it: this build's SDK (headers,
libdatakit, keel-sdk.pc) is installed into a temporary root with `make install-...
DESTDIR=`, the example aggregator and coprocessor are compiled from their single source file
with nothing but `pkg-config keel-sdk`, and the modules built so are loaded into a real server
and answer over a socket."""
import os
import shutil
import subprocess
import tempfile
import unittest

from keel_harness import KeelServer, MODULE_DIR

BUILD = os.path.abspath(os.environ.get("KEEL_BUILDDIR", "."))
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SDK_PARTS = ["install-libLTLIBRARIES", "install-datakitincludeHEADERS", "install-keelincludeHEADERS",
             "install-nodist_keelincludeHEADERS", "install-nodist_pkgconfigDATA"]


def make_var(name):
    out = subprocess.run(["make", "-s", "-C", BUILD, "--no-print-directory", "-f", "Makefile", "-f", "-",
                          "print-var"], input="print-var:\n\t@echo $(%s)\n" % name, capture_output=True,
                         text=True, check=True, env=plain_env())
    return out.stdout.strip()


def plain_env(**extra):
    """The environment without the outer make's jobserver (this test runs under make check)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(extra)
    return env


class SdkOutOfTreeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="keel-sdk-root-")
        subprocess.run(["make", "-s", "-C", BUILD] + SDK_PARTS + ["DESTDIR=" + cls.root], check=True,
                       capture_output=True, env=plain_env())
        libdir = make_var("libdir")
        cls.pc_env = plain_env(PKG_CONFIG_PATH=cls.root + libdir + "/pkgconfig", PKG_CONFIG_LIBDIR="",
                               PKG_CONFIG_SYSROOT_DIR=cls.root)
        cls.work = tempfile.mkdtemp(prefix="keel-sdk-build-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root)
        shutil.rmtree(cls.work)

    def pkg_config(self, *args):
        return subprocess.run(["pkg-config"] + list(args) + ["keel-sdk"], capture_output=True, text=True,
                              check=True, env=self.pc_env).stdout.split()

    def build_module(self, name):
        src = os.path.join(self.work, name + ".c")
        shutil.copy(os.path.join(SRC, "sdk", "examples", name + ".c"), src)   # the file alone, no tree
        exports = os.path.join(self.work, "exports.map")
        with open(exports, "w") as f:
            f.write("{ global: keel_module_descriptor; local: *; };\n")
        out = os.path.join(self.work, name + ".so")
        cc = os.environ.get("CC", "cc").split()
        subprocess.run(cc + ["-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
                             "-Wl,--version-script=" + exports, "-o", out, src]
                       + self.pkg_config("--cflags") + self.pkg_config("--libs"),
                       check=True, capture_output=True, cwd=self.work)
        syms = subprocess.run(["nm", "-D", "--defined-only", out], capture_output=True, text=True,
                              check=True).stdout.split()
        self.assertEqual(syms[-1], "keel_module_descriptor")
        self.assertEqual(len(syms), 3, "only the descriptor is exported")
        return out

    def test_examples_build_against_the_installed_sdk_and_load(self):
        cflags = self.pkg_config("--cflags")
        self.assertTrue(all(f.startswith("-I" + self.root) for f in cflags if f.startswith("-I")), cflags)
        self.assertTrue(os.path.isfile(os.path.join(self.root + make_var("includedir"), "keel", "sdk.h")))
        built = [self.build_module(n) for n in ("aggregate", "hfilter")]
        d = tempfile.mkdtemp(prefix="keel-oot-modules-")
        try:
            for name in ("resp", "strings", "maps"):
                os.symlink(os.path.join(MODULE_DIR, name + ".so"), os.path.join(d, name + ".so"))
            for path in built:
                os.symlink(path, os.path.join(d, os.path.basename(path)))
            # a real install puts libdatakit where the loader looks (ldconfig); the temporary root
            # is not such a place, so point the loader at it as an author with a private prefix would
            lib = {"LD_LIBRARY_PATH": self.root + make_var("libdir")}
            with KeelServer("--module-dir", d, threads=2, env=lib) as srv:
                r = srv.client()
                r.mset({"o:%d" % i: i for i in range(300)})
                r.hset("h", mapping={"x": 1, "y": 7})
                self.assertEqual(r.execute_command("AGG.SUM", "o:*"), sum(range(300)))
                self.assertEqual(r.execute_command("HFILTER", "h", "GT", 2), [b"y", b"7"])
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
