#!/usr/bin/python3
"""Compute the worst-case stack depth of the client's entry points from GCC's call graphs.

Usage: stack_depth.py --elf IMAGE --objects DIR [DIR ...] --source-root DIR
                      [--entry SYMBOL ...] [--bounded-recursion SYMBOL=N ...]
                      [--allowance BYTES] [--top N] [--sites]

Each object file compiled with `-fstack-usage -fcallgraph-info=su` has a .su file (the
frame of each function) and a .ci file (a VCG graph of its functions, their frames and
their calls) beside it. The script joins the .ci graphs of all objects, adds the edges of
indirect calls, and computes for each entry point the deepest path: the largest sum of
frames from the entry to a leaf.

Indirect calls appear in the .ci files as calls to `__indirect_call`, with the source
location of the call. GCC may give a call nested in the arguments the location of the
outer call, so the script reads the whole call at that location. It resolves each name
called there from the relocations of the object files:
- a virtual call (`p->name(...)` where `name` is a function in a vtable of the image) may
  reach every vtable function of the image with that name and that number of
  parameters, whatever its class (every one with that name if none has that number);
- a call through a function pointer (a name declared as one in the sources, or a call of
  the pointer that a function returns) may reach every function of the image whose
  address is taken outside a vtable and whose parameter types match the pointer's;
- a site where neither applies is listed as unresolved and may reach every
  address-taken function of the image.
A virtual function or function pointer with no implementation in the image (an
application's callback or object) adds nothing: the application's own stack comes on top.

Functions without a .ci (the C library and libgcc) get their frames and calls from the
image's disassembly (push, vpush and sub sp instructions, bl and tail-call branches).
A function found nowhere counts as a leaf with --allowance bytes.

The exit status is 1 when the graph reachable from an entry point has a cycle
(recursion) other than a self-call named by --bounded-recursion, or when a function has a
dynamic stack that GCC could not bound, and 0 otherwise. It prints figures and checks no
size threshold.
"""

import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field

INDIRECT = "__indirect_call"
DEFAULT_ENTRIES = [
    "_ZN5lwm2m6Client4stepEv",
    "_ZN5lwm2m6Client9configureERKNS_12ClientConfigE",
]
# Relocations that store a function's address in data or in a literal pool. Calls and
# branches (R_ARM_THM_CALL, R_ARM_THM_JUMP24) take no address.
ADDRESS_RELOCATIONS = {"R_ARM_ABS32", "R_ARM_THM_MOVW_ABS_NC", "R_ARM_THM_MOVT_ABS"}

NODE_RE = re.compile(r'node: \{ title: "([^"]*)" label: "([^"]*)"')
EDGE_RE = re.compile(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"(?: label: "([^"]*)")?')
FRAME_RE = re.compile(r"^(\d+) bytes \(([a-z,]+)\)$")


@dataclass
class Function:
    title: str  # the .ci title: the symbol, prefixed by its source file when it is local
    name: str  # demangled by c++filt
    frame: int = 0
    qualifier: str = "static"
    location: str = ""
    has_ci: bool = True
    calls: set = field(default_factory=set)  # titles of direct callees
    sites: set = field(default_factory=set)  # source locations of indirect calls


@dataclass
class Site:
    location: str  # file:line:column of the call's opening parenthesis
    callee: str  # the names resolved there, or the call's text when none was
    kind: str  # "virtual", "function pointer" or "unresolved"
    targets: list  # titles


def symbol_of(title):
    return title.rsplit(":", 1)[-1]


def run(command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def demangle(symbols, no_params=False):
    """Demangle a list of symbols with one arm-none-eabi-c++filt call."""
    if not symbols:
        return {}
    command = ["arm-none-eabi-c++filt"] + (["--no-params"] if no_params else [])
    output = subprocess.run(command, input="\n".join(symbols) + "\n", check=True,
                            capture_output=True, text=True).stdout.splitlines()
    return dict(zip(symbols, output))


def find_objects(directories):
    objects = []
    for directory in directories:
        for parent, _, files in os.walk(directory):
            objects += [os.path.join(parent, f) for f in files if f.endswith((".obj", ".o"))]
    return sorted(objects)


def read_call_graphs(objects, functions):
    """Read the .ci file of each object into `functions`, and return the titles of the
    locally defined functions of each object (symbol -> title)."""
    local_titles = {}
    for obj in objects:
        ci_path = os.path.splitext(obj)[0] + ".ci"
        if not os.path.exists(ci_path):
            sys.exit(f"error: {ci_path} not found: compile {obj} with -fcallgraph-info=su")
        titles = {}
        with open(ci_path, encoding="utf-8") as ci:
            text = ci.read()
        for title, label in NODE_RE.findall(text):
            lines = label.split("\\n")
            frame = FRAME_RE.match(lines[-1]) if len(lines) >= 3 else None
            if frame is None:
                continue  # a callee declared in this unit, defined elsewhere
            function = functions.get(title)
            if function is None:
                function = functions[title] = Function(title, lines[0], location=lines[1])
            function.frame = max(function.frame, int(frame.group(1)))
            if frame.group(2) != "static":
                function.qualifier = frame.group(2)
            titles[symbol_of(title)] = title
        for source, target, label in EDGE_RE.findall(text):
            if source not in functions:
                continue
            if target == INDIRECT:
                functions[source].sites.add(label)
            else:
                functions[source].calls.add(target)
        local_titles[obj] = titles
    return local_titles


def read_stack_usage(objects):
    """Return the .su lines of all objects as (location, name, bytes, qualifier)."""
    rows = []
    for obj in objects:
        su_path = os.path.splitext(obj)[0] + ".su"
        if not os.path.exists(su_path):
            continue
        with open(su_path, encoding="utf-8") as su:
            for line in su:
                where, size, qualifier = line.rstrip("\n").rsplit("\t", 2)
                # where is file:line:column:name, and the name may contain colons.
                parts = where.split(":", 3)
                rows.append((":".join(parts[:3]), parts[3], int(size), qualifier))
    return rows


def symbol_aliases(objects, local_titles, global_titles):
    """Return symbol -> title for the functions that share their code with a function
    of the .ci graphs: constructors emitted once for C1 and C2, and functions that
    identical code folding merged (-fipa-icf, on at -Os)."""
    aliases = {}
    for obj in objects:
        by_address = defaultdict(list)
        for line in run(["arm-none-eabi-readelf", "-sW", obj]).splitlines():
            parts = line.split()
            if len(parts) == 8 and parts[3] == "FUNC" and parts[6].isdigit():
                by_address[(parts[6], parts[1])].append(parts[7])
        for symbols in by_address.values():
            titles = [local_titles[obj].get(s) or global_titles.get(s) for s in symbols]
            known = [t for t in titles if t is not None]
            for symbol in symbols:
                if known:
                    aliases.setdefault(symbol, known[0])
    return aliases


def image_functions(elf):
    names = set()
    for line in run(["arm-none-eabi-nm", elf]).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            names.add(parts[2])
    return names


def address_taken(objects, local_titles, global_titles):
    """Return the titles of the functions whose address is stored in a vtable and of those
    whose address is taken elsewhere (function pointers)."""
    in_vtables, elsewhere = set(), set()
    for obj in objects:
        section = ""
        for line in run(["arm-none-eabi-readelf", "-rW", obj]).splitlines():
            if line.startswith("Relocation section"):
                section = line.split("'")[1]
                continue
            parts = line.split()
            if len(parts) < 5 or parts[2] not in ADDRESS_RELOCATIONS:
                continue
            symbol = parts[4]
            if symbol.startswith(".text."):
                symbol = symbol[len(".text."):]
            title = local_titles[obj].get(symbol) or global_titles.get(symbol)
            if title is None:
                continue  # data, not a function
            (in_vtables if "_ZTV" in section else elsewhere).add(title)
    return in_vtables, elsewhere


def disassembled_functions(elf):
    """Return symbol -> (frame bytes, called symbols) from the image's disassembly, for the
    functions that have no .ci (C library and libgcc)."""
    result, by_address = {}, {}
    current = None
    for line in run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", elf]).splitlines():
        header = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if header:
            current = header.group(2)
            result[current] = by_address[int(header.group(1), 16)] = [0, set()]
            continue
        if current is None or "\t" not in line:
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            continue
        mnemonic, operands = fields[1].strip(), fields[2].strip()
        frame = result[current]
        if mnemonic in ("push", "push.w", "stmdb", "stmdb.w") and (
                mnemonic.startswith("push") or operands.startswith("sp!")):
            registers = operands[operands.index("{") + 1:operands.index("}")]
            frame[0] += 4 * len(registers.split(","))
        elif mnemonic == "vpush":
            registers = operands.strip("{}").split(",")
            for register in registers:
                bounds = [int(r.strip()[1:]) for r in register.split("-")]
                width = 8 if register.strip().startswith("d") else 4
                frame[0] += width * (bounds[-1] - bounds[0] + 1)
        elif mnemonic.startswith("sub") and re.match(r"^sp, (sp, )?#\d+", operands):
            frame[0] += int(operands.rsplit("#", 1)[1])
        elif mnemonic.startswith(("bl", "b.", "b\t")) or mnemonic in ("b", "b.w", "bl"):
            target = re.search(r"<([^>+]+)>", operands)
            if target and target.group(1) != current:
                frame[1].add(target.group(1))
    # objdump labels each address with one symbol: give its aliases the same entry.
    for line in run(["arm-none-eabi-nm", elf]).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            entry = by_address.get(int(parts[0], 16) & ~1)
            if entry is not None:
                result.setdefault(parts[2], entry)
    return result


BUILTIN_TYPE_WORDS = {"void", "bool", "char", "short", "int", "long", "unsigned", "signed",
                      "float", "double"}
# Fixed-width types as arm-none-eabi-gcc's demangler spells them.
TYPEDEFS = {"size_t": "unsigned int", "uint8_t": "unsigned char", "int8_t": "signed char",
            "uint16_t": "unsigned short", "int16_t": "short", "uint32_t": "unsigned long",
            "int32_t": "long", "uint64_t": "unsigned long long", "int64_t": "long long"}


def normalize_type(text, named):
    """Reduce a parameter's type to its last name and its * and & marks, without const,
    namespaces or template arguments, so that source and demangled spellings compare."""
    text = text.split("=")[0].strip()
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"<[^<>]*>", "", text)
    text = re.sub(r"\b(const|volatile|struct|class|enum)\b", " ", text)
    text = re.sub(r"\b\w+::", "", text)
    words = re.findall(r"[A-Za-z_]\w*|[*&]", text)
    if named and len(words) > 1 and words[-1] not in BUILTIN_TYPE_WORDS and \
            re.match(r"[A-Za-z_]", words[-1]):
        words = words[:-1]  # the parameter's name
    marks = "".join(w for w in words if w in "*&")
    names = " ".join(TYPEDEFS.get(w, w) for w in words if w not in "*&")
    if names in ("unsigned", "signed"):
        names += " int"
    return names + marks


def split_parameters(parameters):
    parameters = parameters.strip()
    if parameters in ("", "void"):
        return []
    result, depth, start = [], 0, 0
    for index, character in enumerate(parameters):
        if character in "<([":
            depth += 1
        elif character in ">)]":
            depth -= 1
        elif character == "," and depth == 0:
            result.append(parameters[start:index])
            start = index + 1
    result.append(parameters[start:])
    return result


def signature(parameters, named):
    return tuple(normalize_type(p, named) for p in split_parameters(parameters))


def demangled_signature(demangled):
    """Return the normalized parameter types of a demangled function name."""
    demangled = re.sub(r" \[clone [^]]*\]$", "", demangled)
    end = demangled.rfind(")")
    depth = 0
    for index in range(end, -1, -1):
        if demangled[index] == ")":
            depth += 1
        elif demangled[index] == "(":
            depth -= 1
            if depth == 0:
                return signature(demangled[index + 1:end], named=False)
    return None


@dataclass
class Declarations:
    pointers: dict  # name of a function pointer variable or member -> set of signatures
    returners: dict  # name of a function returning a function pointer -> set of signatures
    virtuals: set  # names of virtual functions


def read_declarations(source_root):
    """Find the function pointers and virtual functions declared in the sources."""
    texts = []
    for top in ("include", "src", "ports", "bench"):
        for parent, _, files in sorted(os.walk(os.path.join(source_root, top))):
            for name in sorted(files):
                if name.endswith((".hpp", ".cpp", ".h")):
                    with open(os.path.join(parent, name), encoding="utf-8") as source:
                        texts.append(source.read())
    text = re.sub(r"//[^\n]*", "", "\n".join(texts))
    declarations = Declarations(defaultdict(set), defaultdict(set), set())
    aliases = {}
    for alias, parameters in re.findall(
            r"using\s+(\w+)\s*=\s*[\w:<>\s]+\(\s*\*\s*\)\s*\(([^)]*)\)", text):
        aliases[alias] = signature(parameters, named=True)
    for name, parameters in re.findall(r"\(\s*\*\s*(\w+)\s*\)\s*\(([^)]*)\)", text):
        declarations.pointers[name].add(signature(parameters, named=True))
    for alias, parameters in aliases.items():
        for name in re.findall(r"\b" + alias + r"\s+(\w+)\s*[;=,)]", text):
            declarations.pointers[name].add(parameters)
        for name in re.findall(r"\b" + alias + r"\s+(?:\w+::)*(\w+)\s*\(", text):
            declarations.returners[name].add(parameters)
    declarations.virtuals.update(re.findall(r"\bvirtual\s[^;{}()]*?(\w+)\s*\(", text))
    return declarations


def call_text(location, source_root):
    """Return the text of the call at file:line:column: the name before the opening
    parenthesis at that column, and the arguments up to the matching parenthesis. GCC
    may give a call nested in the arguments the location of the outer call."""
    path, line, column = location.rsplit(":", 2)
    if not os.path.isabs(path):
        path = os.path.join(source_root, path)
    try:
        with open(path, encoding="utf-8") as source:
            lines = source.readlines()
    except OSError:
        return ""
    first = int(line) - 1
    if first >= len(lines):
        return ""
    text = lines[first]
    start = max(0, int(column) - 1)
    name = re.search(r"[\w.>*()\-]*$", text[:start]).group(0)
    depth, result = 0, name
    for number in range(first, min(first + 20, len(lines))):  # a call spans a few lines
        segment = lines[number][start:] if number == first else lines[number]
        for index, character in enumerate(segment):
            if character == "(":
                depth += 1
            elif character == ")":
                depth -= 1
                if depth == 0:
                    return result + segment[:index + 1]
        result += segment
    return result


def argument_count(text, open_index):
    """Return the number of arguments of the call whose opening parenthesis is at
    text[open_index]."""
    depth = 0
    for index in range(open_index, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return len(split_parameters(text[open_index + 1:index]))
    return None


def resolve_sites(functions, vtable_titles, pointer_titles, aliases, source_root):
    titles = vtable_titles | pointer_titles
    symbols = sorted({symbol_of(t) for t in titles} |
                     {s for s, t in aliases.items() if t in titles})
    base_names = demangle(symbols, no_params=True)
    full_names = demangle(symbols)
    names_of = defaultdict(set)
    for title in titles:
        names_of[title].add(symbol_of(title))
    for symbol, title in aliases.items():
        if title in titles:
            names_of[title].add(symbol)

    virtual_by_name = defaultdict(set)
    for title in vtable_titles:
        for symbol in names_of[title]:
            virtual_by_name[base_names[symbol].rsplit("::", 1)[-1]].add(title)
    parameter_counts = {}
    for title in vtable_titles:
        parameters = demangled_signature(full_names[symbol_of(title)])
        parameter_counts[title] = None if parameters is None else len(parameters)
    pointers_by_signature = defaultdict(set)
    for title in pointer_titles:
        pointers_by_signature[demangled_signature(full_names[symbol_of(title)])].add(title)
    declared = read_declarations(source_root)

    def pointer_targets(signatures):
        targets = set()
        for expected in signatures:
            targets.update(pointers_by_signature.get(expected, set()))
        return targets

    sites = {}
    for function in functions.values():
        for location in function.sites:
            if location in sites:
                continue
            text = call_text(location, source_root)
            targets, kinds, callees = set(), set(), []
            for call in re.finditer(r"(\.|->)?\s*\b(\w+)\s*\(", text):
                member, name = call.groups()
                if member and name in virtual_by_name:
                    # Overrides of another class's function of the same name differ
                    # in their parameter count, unless default arguments hide it.
                    count = argument_count(text, call.end() - 1)
                    matching = {t for t in virtual_by_name[name] if parameter_counts[t] == count}
                    targets.update(matching or virtual_by_name[name])
                    kinds.add("virtual")
                    callees.append(name)
                elif member and name in declared.virtuals:
                    kinds.add("virtual")  # no implementation in the image
                    callees.append(name)
                if name in declared.pointers:
                    targets.update(pointer_targets(declared.pointers[name]))
                    kinds.add("function pointer")
                    callees.append(name)
            for name in re.findall(r"\(\s*\*\s*(\w+)\s*\)\s*\(", text):
                if name in declared.pointers:
                    targets.update(pointer_targets(declared.pointers[name]))
                    kinds.add("function pointer")
                    callees.append(name)
            for name in re.findall(r"\b(\w+)\s*\([^()]*(?:\([^()]*\))?[^()]*\)\s*\(", text):
                if name in declared.returners:
                    targets.update(pointer_targets(declared.returners[name]))
                    kinds.add("function pointer")
                    callees.append(name + "(...)")
            if not kinds:
                targets = set(titles)
                kinds.add("unresolved")
            sites[location] = Site(location, ", ".join(sorted(set(callees))) or text.strip(),
                                   " and ".join(sorted(kinds)), sorted(targets))
    return sites


def strongly_connected(graph, nodes):
    """Return the strongly connected components of the graph (Tarjan, iterative)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def reachable(graph, entries):
    seen, pending = set(), list(entries)
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            pending.extend(graph[node])
    return seen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--elf", required=True, help="the linked image")
    parser.add_argument("--objects", nargs="+", required=True,
                        help="folders of the image's object files, with .su and .ci beside them")
    parser.add_argument("--source-root", required=True, help="the repository's root")
    parser.add_argument("--entry", action="append", help="mangled entry symbol (repeatable)")
    parser.add_argument("--allowance", type=int, default=64,
                        help="bytes for a function with neither .ci nor code in the image")
    parser.add_argument("--top", type=int, default=10, help="how many of the largest frames")
    parser.add_argument("--sites", action="store_true", help="list every indirect call site")
    parser.add_argument("--bounded-recursion", action="append", default=[], metavar="SYMBOL=N",
                        help="a function that calls itself, at most N activations deep")
    args = parser.parse_args()
    entries = args.entry or DEFAULT_ENTRIES

    objects = find_objects(args.objects)
    functions = {}
    local_titles = read_call_graphs(objects, functions)
    global_titles = {t: t for t in functions if ":" not in t}
    aliases = symbol_aliases(objects, local_titles, global_titles)
    for function in functions.values():
        function.calls = {c if c in functions else aliases.get(symbol_of(c), c)
                          for c in function.calls}
    names = demangle(sorted({symbol_of(t) for t in functions}))
    for function in functions.values():
        function.name = names[symbol_of(function.title)]
    linked = image_functions(args.elf)
    disassembly = disassembled_functions(args.elf)

    # Functions without a .ci: C library and libgcc code in the image, or an allowance.
    without_ci = {}
    pending = [c for f in functions.values() for c in f.calls if c not in functions]
    while pending:
        title = pending.pop()
        if title in functions or title in without_ci:
            continue
        frame, calls = disassembly.get(title, (args.allowance, set()))
        without_ci[title] = Function(title, title, frame, has_ci=False, calls=set(calls),
                                     location="image disassembly" if title in disassembly
                                     else "allowance")
        pending.extend(calls)
    functions.update(without_ci)

    vtable_titles, pointer_titles = address_taken(objects, local_titles, global_titles)
    vtable_titles = {t for t in vtable_titles if symbol_of(t) in linked}
    pointer_titles = {t for t in pointer_titles if symbol_of(t) in linked}
    sites = resolve_sites(functions, vtable_titles, pointer_titles, aliases, args.source_root)

    graph = {}
    for title, function in functions.items():
        callees = set(function.calls)
        for location in function.sites:
            callees.update(sites[location].targets)
        graph[title] = {c for c in callees if c in functions}

    missing = [e for e in entries if e not in functions]
    if missing:
        sys.exit("error: entry point not found in the .ci files: " + ", ".join(missing))

    # A self-recursive function with a known bound: its self-call is left out of the
    # graph, and its depth counts N - 1 more frames of its own.
    extra_frames = {}
    for item in args.bounded_recursion:
        symbol, _, count = item.partition("=")
        for title, function in functions.items():
            if symbol_of(title) == symbol and title in graph[title]:
                graph[title].discard(title)
                extra_frames[title] = (int(count) - 1) * function.frame

    failed = False
    in_use = reachable(graph, entries)
    cycles = [c for c in strongly_connected(graph, sorted(in_use))
              if len(c) > 1 or c[0] in graph[c[0]]]
    for title, extra in sorted(extra_frames.items()):
        print(f"== Bounded recursion: {functions[title].name} calls itself, counted "
              f"{extra // max(functions[title].frame, 1) + 1} activations deep "
              f"({functions[title].frame} bytes each)")
    component_of = {}
    for number, component in enumerate(cycles):
        for title in component:
            component_of[title] = number
    print(f"== {os.path.basename(args.elf)}: {len(functions)} functions, "
          f"{len(in_use)} reachable from the entry points, {len(sites)} indirect call sites")
    if cycles:
        failed = True
        print(f"== Recursion: {len(cycles)} cycle(s); depths below ignore the edges inside them")
        for component in cycles:
            print("   " + " -> ".join(functions[t].name for t in sorted(component)))
    else:
        print("== Recursion: none")

    dynamic = [(location, name, size, qualifier)
               for location, name, size, qualifier in read_stack_usage(objects)
               if qualifier != "static"]
    unbounded = [d for d in dynamic if "bounded" not in d[3]]
    if unbounded:
        failed = True
    print(f"== Dynamic stack: {len(dynamic)} function(s), {len(unbounded)} unbounded")
    for location, name, frame, qualifier in dynamic:
        print(f"   {frame:6} {qualifier:16} {name} ({location})")

    # Deepest path: longest sum of frames, edges inside a cycle left out.
    depth, next_on_path = {}, {}

    def deepest(root):
        order = [(root, False)]
        while order:
            node, expanded = order.pop()
            if node in depth:
                continue
            children = [c for c in graph[node]
                        if component_of.get(c, -1) != component_of.get(node, -2)]
            if not expanded:
                order.append((node, True))
                order.extend((c, False) for c in children if c not in depth)
                continue
            best = max(children, key=lambda c: (depth[c], c), default=None)
            depth[node] = functions[node].frame + extra_frames.get(node, 0) + \
                (depth[best] if best else 0)
            next_on_path[node] = best
        return depth[root]

    for entry in entries:
        total = deepest(entry)
        print(f"\n== Worst-case stack depth of {functions[entry].name}: {total} bytes")
        print(f"   {'frame':>6} {'depth':>6}  function")
        node, running = entry, 0
        while node is not None:
            frame = functions[node].frame + extra_frames.get(node, 0)
            running += frame
            repeat = " (all its recursive activations)" if node in extra_frames else ""
            print(f"   {frame:6} {running:6}  {functions[node].name}{repeat}"
                  f"  [{os.path.relpath(functions[node].location, args.source_root)}]")
            node = next_on_path[node]

    # Stack in use when the library calls each indirect callee: the deepest path from
    # the first entry to a function holding that call site, its frame included.
    order = []
    visited = set()
    for entry in entries[:1]:
        stack = [(entry, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if node in visited:
                continue
            visited.add(node)
            stack.append((node, True))
            stack.extend((c, False) for c in graph[node]
                         if c not in visited
                         and component_of.get(c, -1) != component_of.get(node, -2))
    order.reverse()
    reach = {entries[0]: functions[entries[0]].frame}
    for node in order:
        if node not in reach:
            continue
        for child in graph[node]:
            if component_of.get(child, -1) == component_of.get(node, -2):
                continue
            reach[child] = max(reach.get(child, 0), reach[node] + functions[child].frame +
                               extra_frames.get(child, 0))
    at_call = {}
    for title in order:
        for location in functions[title].sites:
            site = sites[location]
            key = (site.callee or "?", site.kind)
            at_call[key] = max(at_call.get(key, 0), reach.get(title, 0))
    print(f"\n== Stack in use when {functions[entries[0]].name} makes an indirect call "
          "(the callee's own stack comes on top)")
    for (callee, kind), used in sorted(at_call.items(), key=lambda item: -item[1]):
        print(f"   {used:6}  {callee} ({kind})")

    unresolved = [s for s in sites.values() if s.kind == "unresolved"]
    print(f"\n== Indirect call sites: {len(sites)}, resolved by name "
          f"{sum(1 for s in sites.values() if 'virtual' in s.kind)} virtual and "
          f"{sum(1 for s in sites.values() if 'pointer' in s.kind)} through function "
          f"pointers, {len(unresolved)} unresolved (may reach any address-taken function)")
    for site in sorted(unresolved, key=lambda s: s.location):
        print(f"   unresolved: {os.path.relpath(site.location, args.source_root)} "
              f"callee '{site.callee}'")
    empty = sorted({s.callee for s in sites.values() if not s.targets})
    print("   with no target in the image (the application's callbacks and objects): "
          + ", ".join(empty))
    if args.sites:
        for site in sorted(sites.values(), key=lambda s: s.location):
            print(f"   {os.path.relpath(site.location, args.source_root)} {site.callee} "
                  f"({site.kind}): {len(site.targets)} target(s)")
            for target in site.targets:
                print(f"      {functions[target].frame:5} {functions[target].name}")

    outside = sorted(((f.frame, f.name, f.location) for f in without_ci.values()),
                     reverse=True)
    print(f"\n== Functions without .ci ({len(outside)}), frames from the image's disassembly")
    print("   " + ", ".join(f"{name} {frame}" for frame, name, where in outside
                          if where != "allowance"))
    allowed = [name for _, name, where in outside if where == "allowance"]
    print(f"   not in the image, counted as leaves of {args.allowance} bytes: "
          + (", ".join(allowed) or "none"))

    linked_frames = sorted(((f.frame, f.name, f.location) for f in functions.values()
                            if f.has_ci and symbol_of(f.title) in linked), reverse=True)
    print(f"\n== The {args.top} largest frames in the image")
    for frame, name, location in linked_frames[:args.top]:
        print(f"   {frame:6}  {name}  [{os.path.relpath(location, args.source_root)}]")

    if failed:
        print("error: recursion or an unbounded dynamic stack (listed above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
