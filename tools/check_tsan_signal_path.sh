#!/usr/bin/env bash
# In a TSan build (-DLCPROF_SANITIZE_THREAD=ON), fails when code that the
# SIGPROF handler or the signal trampoline can reach is TSan-instrumented.
# That code runs where the signal lands, possibly inside TSan's runtime, so
# it must not call the runtime: neither an instrumented function (one that
# calls __tsan_*) nor, from lcprof's own code, memcpy or memset (they bind
# to TSan's interceptors). lcprof_signal_context_sources in CMakeLists.txt
# builds the files that hold it without -fsanitize=thread; this check finds
# a handler path that reaches a file left instrumented.
# Reachability follows direct calls and jumps in the disassembly (objdump),
# not calls through pointers. Usage: tools/check_tsan_signal_path.sh LIBRARY
set -euo pipefail
lib=${1:?usage: tools/check_tsan_signal_path.sh path/to/liblcprof.so}
objdump -d --no-show-raw-insn "$lib" | awk '
  # A function starts at "ADDR <name>:"; its direct calls are "call ADDR <target>"
  # (jumps to another function, "jmp ADDR <target>", are tail calls).
  /^[0-9a-f]+ <.*>:$/ { fn = substr($2, 2, length($2) - 3); known[fn] = 1; next }
  fn != "" && match($0, /(call|jmp)[ \t]+[0-9a-f]+ <[^>+]+>/) {
    target = substr($0, RSTART, RLENGTH)
    sub(/^[^<]*</, "", target); sub(/>$/, "", target)
    if (target == fn) next
    if (target ~ /^__tsan_/) instrumented[fn] = 1
    else calls[fn] = calls[fn] " " target
  }
  END {
    n = 0
    for (f in known) {
      if (f ~ /OnProfSignal|lcprof_signal_trampoline/) { queue[n++] = f; from[f] = "" }
    }
    if (n == 0) { print "check_tsan_signal_path: no SIGPROF handler found"; exit 2 }
    bad = 0
    for (i = 0; i < n; i++) {
      f = queue[i]
      why = ""
      if (f in instrumented) why = "is TSan-instrumented"
      if (f ~ /^_ZN6lcprof/ && calls[f] ~ /(^| )(memcpy|memset)@plt/) why = "calls memcpy/memset"
      if (why != "") {
        path = f
        for (g = from[f]; g != ""; g = from[g]) path = path " <- " g
        print "reached from a signal handler and " why ": " path
        bad = 1
        continue
      }
      m = split(calls[f], out, " ")
      for (j = 1; j <= m; j++) {
        c = out[j]
        if ((c in known) && !(c in from)) { from[c] = f; queue[n++] = c }
      }
    }
    exit bad
  }' | c++filt
exit "${PIPESTATUS[1]}"
