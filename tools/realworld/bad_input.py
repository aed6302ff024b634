"""Bad input: one `analyze: ...` line on stderr and exit status 2."""

import sys


def fail(msg):
    print("analyze: " + msg, file=sys.stderr)
    sys.exit(2)
