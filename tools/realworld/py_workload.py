"""CPU-bound work for Debian's python3 whose time goes through C code:
_json and _hashlib (extension modules dlopen'ed at import, after the
interpreter - and a preloaded profiler - started), _sre (re), list sorting
and zlib. Deterministic; the argument scales the run time (rounds)."""
import hashlib
import json
import random
import re
import sys
import zlib

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
rng = random.Random(8)
words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
records = [{"id": i, "name": rng.choice(words) + str(i), "score": rng.random(),
            "tags": [rng.choice(words) for _ in range(4)], "nested": {"x": i, "y": [i, i + 1]}}
           for i in range(4000)]
pattern = re.compile(r"(\w+?)(\d+)\b.*?(epsilon|theta)")
numbers = [rng.random() for _ in range(60000)]


def json_round_trip():
    text = json.dumps(records)
    return len(json.loads(text))


def regex_scan(text):
    return sum(1 for _ in pattern.finditer(text))


def sort_numbers():
    return sorted(numbers)[len(numbers) // 2]


def digest_and_compress(blob):
    h = hashlib.sha256(blob).hexdigest()
    return len(zlib.compress(blob, 6)) + len(h)


def main():
    text = json.dumps(records)
    blob = text.encode() * 2
    total = 0
    for _ in range(rounds):
        total += json_round_trip()
        total += regex_scan(text)
        total += int(sort_numbers() * 1000)
        total += digest_and_compress(blob)
    print(total)


main()
