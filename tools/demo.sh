#!/usr/bin/env bash
# Quick start, main job: builds lcprof, profiles the bundled demo program
# with `lcprof record`, and shows the result with `go tool pprof -top`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(bash "$root/tools/build.sh" lcprof lcprof_cli lcprof-demo | tail -n 1)
profile=$build/demo.pb.gz
"$build/bin/lcprof" record -o "$profile" -F 250 -- "$build/bin/lcprof-demo" 3
echo
go tool pprof -top "$profile"
echo
echo "Open it in pprof's web UI with:"
echo "  go tool pprof -http=localhost:8080 $profile"
