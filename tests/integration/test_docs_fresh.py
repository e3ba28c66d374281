"""test_docs_fresh.py -- docs/commands.md is what scripts/gen-commands-doc.py prints from a server
with every module loaded: a command, flag, syntax or summary changed without regenerating the
reference fails here (regenerate: scripts/gen-commands-doc.py PORT > docs/commands.md)."""
import os
import re
import subprocess
import unittest

from keel_harness import KeelServer, MODULE_DIR

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class CommandsReference(unittest.TestCase):
    def test_commands_md_matches_the_servers_tables(self):
        with open(os.path.join(SRCDIR, "docs", "commands.md")) as f:
            checked_in = f.read()
        documented = set(re.findall(r"^## Module `([a-z0-9_]+)`", checked_in, re.M)) - {"core"}
        built = {n[:-3] for n in os.listdir(MODULE_DIR) if n.endswith(".so")} if MODULE_DIR else set()
        if not documented <= built:
            self.skipTest("modules not built here: " + ", ".join(sorted(documented - built)))
        with KeelServer() as srv:
            out = subprocess.run(["/usr/bin/python3", os.path.join(SRCDIR, "scripts", "gen-commands-doc.py"),
                                  str(srv.port)], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        if out.stdout != checked_in:
            diff = [line for line in zip(out.stdout.splitlines(), checked_in.splitlines()) if line[0] != line[1]]
            self.fail("docs/commands.md is stale; first difference (server, file): %r" % (diff[:1],))


if __name__ == "__main__":
    unittest.main(verbosity=2)
