# Process creation from a script: starts COUNT (argv[1], default 200) short
# subprocesses (/bin/true) one after another, as build and test scripts do.
import subprocess
import sys

count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
for _ in range(count):
    subprocess.run(["/bin/true"], check=True)
