"""lcprof's profiles: gzipped pprof protobuf, decoded with the standard
library alone into stacks of (function name, system name, mapping file)."""

import gzip


def _varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(buf):
    """Yields (field number, wire type, value) of one message; value is an int
    for varints and fixed-size fields, bytes for length-delimited ones."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = _varint(buf, pos)
        elif wt == 1:
            val, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        elif wt == 2:
            n, pos = _varint(buf, pos)
            val, pos = buf[pos:pos + n], pos + n
        elif wt == 5:
            val, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        else:
            raise ValueError("unsupported wire type %d" % wt)
        yield num, wt, val


def _ints(wt, val):
    """A repeated integer field: packed (bytes) or one element."""
    if wt != 2:
        return [val]
    out, pos = [], 0
    while pos < len(val):
        v, pos = _varint(val, pos)
        out.append(v)
    return out


def read_pprof(path):
    """Returns (stacks, comments): stacks is a list of (count, frames), frames
    leaf first as (function name, system name, mapping file name)."""
    with gzip.open(path, "rb") as f:
        buf = f.read()
    strings, samples, mappings, locations, functions = [], [], {}, {}, {}
    sample_types, comment_ids = [], []
    for num, wt, val in _fields(buf):
        if num == 1:
            vt = dict((n, v) for n, _, v in _fields(val))
            sample_types.append(vt.get(1, 0))
        elif num == 2:
            locs, vals = [], []
            for n, w, v in _fields(val):
                if n == 1:
                    locs += _ints(w, v)
                elif n == 2:
                    vals += _ints(w, v)
            samples.append((locs, vals))
        elif num == 3:
            m = dict((n, v) for n, _, v in _fields(val))
            mappings[m.get(1, 0)] = m.get(5, 0)
        elif num == 4:
            loc_id, map_id, lines = 0, 0, []
            for n, _, v in _fields(val):
                if n == 1:
                    loc_id = v
                elif n == 2:
                    map_id = v
                elif n == 4:
                    lines.append(dict((a, b) for a, _, b in _fields(v)).get(1, 0))
            locations[loc_id] = (map_id, lines)
        elif num == 5:
            fn = dict((n, v) for n, _, v in _fields(val))
            functions[fn.get(1, 0)] = (fn.get(2, 0), fn.get(3, 0))
        elif num == 6:
            strings.append(val.decode("utf-8", "replace"))
        elif num == 13:
            comment_ids += _ints(wt, val)
    try:
        count_index = [strings[t] for t in sample_types].index("samples")
    except ValueError:
        count_index = 0
    stacks = []
    for locs, vals in samples:
        frames = []
        for loc_id in locs:
            map_id, lines = locations.get(loc_id, (0, []))
            module = strings[mappings.get(map_id, 0)]
            # Several lines = inlined functions, the innermost first.
            for fid in lines or [0]:
                name_i, sys_i = functions.get(fid, (0, 0))
                frames.append((strings[name_i], strings[sys_i], module))
        stacks.append((vals[count_index] if count_index < len(vals) else 1, frames))
    return stacks, [strings[i] for i in comment_ids]
