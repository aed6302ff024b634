#!/usr/bin/env bash
# Fails when a doc names a file that does not exist (issue 12): every
# file-like name in README.md and docs/*.md (name.cc, dir/name.h, x.md, ...)
# must be a file of the repository. A name with a slash must resolve from
# the repository root or from the doc's folder; a bare name must be the
# name of some tracked file, unless it is a file of another project listed
# in tools/doc_external_names.txt (system headers, kernel files, ...).
# It also fails on merge conflict markers left in a doc.
# Usage: tools/check_doc_files.sh [repo-root]   (exit 1 and one line per
# stale name when any is found)
set -euo pipefail
root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$root"

tracked=$(git ls-files 2>/dev/null || find . -type f -not -path './build*' | sed 's#^\./##')
basenames=$(printf '%s\n' "$tracked" | sed 's#.*/##' | sort -u)
external=$(grep -v '^#' tools/doc_external_names.txt | sed '/^$/d' | sort -u || true)
ext='cc|h|c|md|sh|py|cmake|txt|map|proto|png|in|json'
stale=0
for doc in README.md docs/*.md; do
  dir=$(dirname "$doc")
  # Paths that start with / or ../ or a URL scheme name things outside the
  # repository; they are not checked.
  while IFS= read -r name; do
    [ -n "$name" ] || continue
    case "$name" in
      /* | ../* | *://*) continue ;;
    esac
    if [[ $name == */* ]]; then
      # Include paths resolve through the public include folder.
      [ -e "$name" ] || [ -e "$dir/$name" ] || [ -e "profiler/include/$name" ] && continue
      # A path shown inside the build tree or an install prefix.
      case "$name" in build/* | */include/lcprof/* | */lib/* | */bin/*) continue ;; esac
    else
      grep -qxF -- "$name" <<<"$basenames" && continue
      grep -qxF -- "$name" <<<"$external" && continue
    fi
    echo "$doc: names '$name', which is not a file of this repository" >&2
    stale=1
  done < <(grep -oE "(^|[^A-Za-z0-9_./:-])[A-Za-z0-9_.][A-Za-z0-9_./+-]*\.($ext)\b" "$doc" \
           | sed -E 's/^[^A-Za-z0-9_.]//' | grep -vE '^\.|\.\.' | sort -u)
done
# A merge's conflict markers left in a doc.
if grep -nE '^(<<<<<<<|>>>>>>>) ' README.md docs/*.md >&2; then
  echo "conflict markers in the docs (above)" >&2
  stale=1
fi
exit $stale
