"""test_contrib.py -- what contrib/ ships works as shipped: every example config passes
keel-server --check-config (the TLS example with the certificates make-example-certs.sh makes),
and the systemd unit the build generates names the configured paths.
"""
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

from keel_harness import MODULE_DIR, SERVER

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTRIB = os.path.join(SRCDIR, "contrib")


class ContribAsShipped(unittest.TestCase):
    def test_every_example_config_passes_check_config(self):
        configs = sorted(glob.glob(os.path.join(CONTRIB, "*.json")))
        self.assertGreaterEqual(len(configs), 2)
        with tempfile.TemporaryDirectory() as tmp:
            for name in os.listdir(CONTRIB):   # configs name their neighbours by relative paths
                shutil.copy(os.path.join(CONTRIB, name), tmp)
            subprocess.run(["sh", os.path.join(tmp, "make-example-certs.sh"), tmp], check=True,
                           stdout=subprocess.DEVNULL)
            for path in configs:
                args = [SERVER, "--check-config", os.path.join(tmp, os.path.basename(path))]
                if MODULE_DIR:
                    args += ["--module-dir", MODULE_DIR]
                run = subprocess.run(args, capture_output=True, text=True, cwd=tmp)
                self.assertEqual(run.returncode, 0, "%s: %s%s" % (path, run.stdout, run.stderr))
                self.assertIn("ok", run.stdout + run.stderr)

    def test_generated_unit_names_the_configured_paths(self):
        unit = os.path.join(os.getcwd(), "contrib", "keel.service")
        if not os.path.exists(unit):
            self.skipTest("not run from a build directory")
        text = open(unit).read()
        self.assertNotIn("@", text.replace("$MAINPID", ""))
        exec_start = [l for l in text.splitlines() if l.startswith("ExecStart=")][0]
        binary, _, rest = exec_start[len("ExecStart="):].partition(" ")
        self.assertTrue(binary.endswith("/bin/keel-server"), binary)
        self.assertIn("--config ", rest)
        self.assertTrue(rest.split("--config ")[1].split()[0].endswith("/keel/keel.json"))


if __name__ == "__main__":
    unittest.main()
