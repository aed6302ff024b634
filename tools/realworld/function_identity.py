"""One identity per function for frames of both profilers ("symbol
[module]"), and the helpers that read identities: base name, entry roots,
lcprof's pseudo-frames, a readable form for the report."""

import bisect
import collections
import os
import re
import subprocess

# Outermost frames of a whole stack: the program's entry, a thread's root
# (compared without leading underscores and glibc's __GI_ prefix).
ROOTS = {"start", "clone3", "clone", "start_thread"}
# lcprof's pseudo-frames (docs/pprof-output.md) name no function.
PSEUDO = re.compile(r"^\[(unknown:|truncated:|lost:|signal\])")


class Names:
    """Normalises frames of both profilers to one identity per function:
    "symbol [module]" with the symbol's mangled name, its symbol version
    stripped and, among aliases (several symbols at one address in the
    module's .dynsym/.symtab or its /usr/lib/debug file), one canonical name;
    "[0xSTART] [module]" for code no symbol covers, START being the
    file offset of the function's start in .eh_frame_hdr ("[unknown]
    [module]" when that table cannot be read); "[unknown]" for code in no
    module."""

    def __init__(self):
        self.aliases = {}  # module base name -> {name: canonical name}
        self.fdes = {}  # module path -> sorted function start offsets

    def _fde_starts(self, path):
        """(sorted file offsets of the functions .eh_frame_hdr lists, file
        offset of the entry point) for an ELF64 little-endian file with the
        usual datarel|sdata4 table, or None."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            return None
        u = lambda o, n: int.from_bytes(data[o:o + n], "little")
        s4 = lambda o: int.from_bytes(data[o:o + 4], "little", signed=True)
        phoff, phentsize, phnum = u(0x20, 8), u(0x36, 2), u(0x38, 2)
        loads, hdr = [], None
        for i in range(phnum):
            o = phoff + i * phentsize
            p_type, p_offset, p_vaddr, p_filesz = u(o, 4), u(o + 8, 8), u(o + 16, 8), u(o + 32, 8)
            if p_type == 1:
                loads.append((p_vaddr, p_filesz, p_offset))
            elif p_type == 0x6474E550:
                hdr = (p_offset, p_vaddr)
        if not hdr:
            return None
        def file_offset(v):
            for lv, lsz, loff in loads:
                if lv <= v < lv + lsz:
                    return v - lv + loff
            return None

        o, hv = hdr
        ptr_enc, count_enc, table_enc = data[o + 1], data[o + 2], data[o + 3]
        sizes = {0x03: 4, 0x0B: 4, 0x1B: 4, 0x04: 8, 0x0C: 8, 0x1C: 8}
        if ptr_enc not in sizes or count_enc not in sizes or table_enc != 0x3B:
            return None
        pos = o + 4 + sizes[ptr_enc]
        count = u(pos, sizes[count_enc])
        pos += sizes[count_enc]
        starts = (file_offset(hv + s4(pos + 8 * i)) for i in range(count))
        return sorted(x for x in starts if x is not None), file_offset(u(0x18, 8))

    def unknown(self, module_path, offset):
        """"[unknown] [module]", or "[0xSTART] [module]" naming the function (FDE)
        that holds the file offset when the module's unwind table is readable;
        "_start [module]" for the function at the ELF entry point (stripped
        executables have no symbol for it)."""
        base = os.path.basename(module_path)
        if module_path not in self.fdes:
            self.fdes[module_path] = self._fde_starts(module_path) if os.path.isfile(module_path) else None
        table = self.fdes[module_path]
        if offset is not None and table and table[0]:
            starts, entry = table
            i = bisect.bisect_right(starts, offset) - 1
            if i >= 0:
                if starts[i] == entry:
                    return "_start [%s]" % base
                return "[0x%x] [%s]" % (starts[i], base)
        return "[unknown] [%s]" % base

    @staticmethod
    def strip_version(name):
        return name.split("@", 1)[0]

    def _symbols(self, path):
        files = [path]
        try:
            notes = subprocess.run(["readelf", "-nW", path], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
            m = re.search(r"Build ID: ([0-9a-f]{2})([0-9a-f]+)", notes)
            if m:
                debug = "/usr/lib/debug/.build-id/%s/%s.debug" % (m.group(1), m.group(2))
                if os.path.exists(debug):
                    files.append(debug)
        except OSError:
            return {}
        by_name = collections.defaultdict(set)
        for f in files:
            out = subprocess.run(["readelf", "-sW", "--dyn-syms", f], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
            for line in out.splitlines():
                parts = line.split()
                # Num: Value Size Type Bind Vis Ndx Name
                if len(parts) < 8 or parts[3] not in ("FUNC", "IFUNC") or parts[6] == "UND":
                    continue
                try:
                    value = int(parts[1], 16)
                except ValueError:
                    continue
                if value:
                    by_name[self.strip_version(parts[7])].add(value)
        by_value = collections.defaultdict(set)
        for name, values in by_name.items():
            if len(values) == 1:
                by_value[next(iter(values))].add(name)
        canon = {}
        for names in by_value.values():
            # Prefer the public-looking name: fewest leading underscores, no
            # __GI_ alias, then the shortest.
            best = min(names, key=lambda n: (n.startswith("__GI_"), len(n) - len(n.lstrip("_")),
                                             len(n), n))
            for n in names:
                canon[n] = best
        return canon

    def canonical(self, name, module_path):
        base = os.path.basename(module_path)
        if base not in self.aliases:
            self.aliases[base] = self._symbols(module_path) if os.path.isfile(module_path) else {}
        return self.aliases[base].get(name, name)

    def lcprof(self, frame):
        name, system_name, module = frame
        if PSEUDO.match(name):
            return name
        if name.startswith("[unmapped"):
            return "[unknown]"
        base = os.path.basename(module) if module else ""
        # MODULE+0xOFFSET: an address no symbol covers.
        m = re.match(r"^(\S+)\+0x([0-9a-f]+)$", name)
        if m:
            return self.unknown(module or m.group(1), int(m.group(2), 16))
        sym = self.strip_version(system_name or name)
        return "%s [%s]" % (self.canonical(sym, module), base)

    def perf(self, frame, leaf):
        sym, ip, dso = frame
        base = os.path.basename(dso)
        if dso in ("[unknown]", ""):
            return "[unknown]"
        if sym == "[unknown]":
            # perf prints user ips as file offsets in the module; a caller's
            # is its return address, which may lie past the function's end.
            return self.unknown(dso, ip if leaf else ip - 1)
        sym = re.sub(r"\+0x[0-9a-f]+$", "", self.strip_version(sym))
        return "%s [%s]" % (self.canonical(sym, dso), base)


def function_of(identity):
    return identity.rsplit(" [", 1)[0]


def base_name(identity):
    name = function_of(identity).lstrip("_")
    return name[3:].lstrip("_") if name.startswith("GI_") else name


def is_root(identity):
    return base_name(identity) in ROOTS


_demangled = {}


def pretty(identity, width=70):
    """A readable form of an identity: demangled (c++filt), shortened."""
    if identity not in _demangled:
        fn, _, module = identity.rpartition(" [")
        if not fn:
            fn, module = identity, ""
        name = fn
        if fn.startswith("_Z"):
            try:
                name = subprocess.run(["c++filt", fn], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL).stdout.decode().strip() or fn
            except OSError:
                pass
        if len(name) > width:
            name = name[:width - 1] + "…"
        module = re.sub(r"\.cpython-[^.]+", "", module)
        _demangled[identity] = name + (" [" + module if module else "")
    return _demangled[identity].replace("|", "\\|")
