#!/bin/sh
# module_minor.sh -- each in-tree module's KEEL_MODULE_MINOR states exactly the lowest SDK minor
# it needs: the newest "added in 1.N" among the keel_* calls its sources make (from the
# sections of KEEL_API_LIST in include/keel/api.h) and the command flags it sets.
set -eu
src=${KEEL_SRCDIR:?KEEL_SRCDIR is not set}
exec python3 - "$src" <<'PY'
import glob, os, re, sys

src = sys.argv[1]
api = open(os.path.join(src, "include/keel/api.h")).read()
table = api[api.index("#define KEEL_API_LIST"):]
minor_of, minor = {}, 0
for line in table.splitlines():
    section = re.search(r"/\* ---- .*added in 1\.(\d+)", line)
    if section:
        minor = int(section.group(1))
    call = re.match(r"\s*X\([^,]*,\s*(\w+),", line)
    if call:
        minor_of["keel_" + call.group(1)] = minor
flags = {"KEEL_CMD_PUBSUB": 2, "KEEL_CMD_DENYOOM": 3, "KEEL_CMD_WIDE": 9, "KEEL_CMD_SHARED": 10}

status, checked = 0, 0
for module_c in sorted(glob.glob(os.path.join(src, "modules/*/module.c")) +
                       glob.glob(os.path.join(src, "proto/*/module.c"))):
    folder = os.path.dirname(module_c)
    text = open(module_c).read()
    stated = re.search(r"KEEL_MODULE_MINOR\(\s*(\d+)\s*,\s*\"([^\"]+)\"", text)
    if not stated:
        continue
    code = "".join(open(f).read() for f in glob.glob(os.path.join(folder, "*.[ch]")))
    code = re.sub(r"/\*.*?\*/", "", code, flags=re.S)
    needed, why = 0, "nothing newer than 1.0"
    for name, n in list(minor_of.items()) + list(flags.items()):
        if n > needed and re.search(r"\b" + name + r"\b", code):
            needed, why = n, name
    checked += 1
    name, recorded = stated.group(2), int(stated.group(1))
    if recorded != needed:
        print("FAIL: %s records minor %d but needs 1.%d (%s)" % (name, recorded, needed, why))
        status = 1
    else:
        print("ok: %s needs 1.%d (%s)" % (name, needed, why))
if checked == 0:
    print("FAIL: no module states KEEL_MODULE_MINOR")
    status = 1
sys.exit(status)
PY
