#!/usr/bin/python3
"""Prints the flash and RAM of linked images per module, from their GNU ld maps.

Usage: module_table.py NAME=IMAGE.map [NAME=IMAGE.map ...]

A module is a folder of src/ (each is linked from its own archive,
liblwm2m_<folder>.a), the C and C++ runtime libraries, or the image's own
stub ports. For the images of examples/bare-metal, which link the library as
one archive, the modules are the library, each port and the application. Every byte of an allocated output section is counted once:
.text as text; the vector table, .rodata, .ARM.exidx and the init arrays as rodata; .data as
data (flash for the initial values and RAM); .bss as bss (RAM only).
"""

import re
import sys

OUTPUT_KINDS = {
    ".vectors": "rodata",
    ".text": "text",
    ".rodata": "rodata",
    ".ARM.exidx": "rodata",
    ".ARM.extab": "rodata",
    ".init_array": "rodata",
    ".preinit_array": "rodata",
    ".fini_array": "rodata",
    ".data": "data",
    ".bss": "bss",
}
KINDS = ("text", "rodata", "data", "bss")

OUTPUT_SECTION = re.compile(r"^(\.[\w.]+)\s*(?:0x[0-9a-f]+\s+0x[0-9a-f]+)?")
INPUT_ONE_LINE = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
INPUT_NAME_ONLY = re.compile(r"^ (\S+)$")
INPUT_CONTINUED = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def module_of(path):
    """Names the module an input file belongs to."""
    match = re.search(r"liblwm2m_(\w+)\.a\(", path)
    if match:
        return match.group(1)
    # examples/bare-metal: the whole library in one archive, its ports, the application.
    if "liblwm2m.a(" in path:
        return "(library)"
    if "libmps2_port.a(" in path or "no_heap.cpp" in path:
        return "(mps2 port)"
    if "libconsole.a(" in path or re.search(r"(sensor-client|boot-check)\.dir/", path):
        return "(application)"
    if "stub_ports" in path:
        return "(stub ports)"
    if re.search(r"lib(c|c_nano|m|nosys)\.a\(", path):
        return "(C library)"
    if "libgcc.a(" in path:
        return "(libgcc)"
    if re.search(r"lib(stdc\+\+|supc\+\+)(_nano)?\.a\(", path):
        return "(C++ runtime)"
    return "(other)"


def read_map(path):
    """Returns {module: {kind: bytes}} for one map file."""
    sizes = {}

    def add(module, kind, size):
        sizes.setdefault(module, dict.fromkeys(KINDS, 0))[kind] += size

    kind = None
    pending = None  # input section name waiting for its address line
    in_map = False
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not in_map:
                in_map = line.startswith("Linker script and memory map")
                continue
            if line.startswith("."):
                name = OUTPUT_SECTION.match(line).group(1)
                kind = OUTPUT_KINDS.get(name)
                pending = None
                continue
            if kind is None:
                continue
            if line.startswith(" *fill*"):
                parts = line.split()
                if len(parts) >= 3:
                    add("(alignment)", kind, int(parts[2], 16))
                continue
            one = INPUT_ONE_LINE.match(line)
            if one:
                add(module_of(one.group(4)), kind, int(one.group(3), 16))
                pending = None
                continue
            name_only = INPUT_NAME_ONLY.match(line)
            if name_only:
                pending = name_only.group(1)
                continue
            continued = INPUT_CONTINUED.match(line)
            if continued and pending is not None:
                add(module_of(continued.group(3)), kind, int(continued.group(2), 16))
                pending = None
    return sizes


def main(arguments):
    if not arguments:
        sys.exit(__doc__)
    images = []
    for argument in arguments:
        name, _, map_path = argument.partition("=")
        images.append((name, read_map(map_path)))
    modules = sorted({module for _, sizes in images for module in sizes
                      if any(sizes[module].values())},
                     key=lambda m: (m.startswith("("), m))
    width = 8
    group = width * len(KINDS) + len(KINDS) - 1
    print(f"{'':<14}" + "".join(f" | {name:^{group}}" for name, _ in images))
    print(f"{'module':<14}" + "".join(
        " | " + " ".join(f"{kind:>{width}}" for kind in KINDS) for _ in images))
    for module in modules + ["total"]:
        row = f"{module:<14}"
        for _, sizes in images:
            values = []
            for kind in KINDS:
                if module == "total":
                    values.append(sum(s[kind] for s in sizes.values()))
                else:
                    values.append(sizes.get(module, {}).get(kind, 0))
            row += " | " + " ".join(f"{value:>{width},}" for value in values)
        print(row)
    print()
    for name, sizes in images:
        flash = sum(s["text"] + s["rodata"] + s["data"] for s in sizes.values())
        ram = sum(s["data"] + s["bss"] for s in sizes.values())
        print(f"{name}: flash {flash:,} bytes (text + rodata + data), "
              f"RAM {ram:,} bytes (data + bss)")


if __name__ == "__main__":
    main(sys.argv[1:])
