# Python doing ordinary work for SCALE (argv[1], default 1) units: string
# building, dictionaries, sorting, JSON and a little arithmetic.
import json
import sys

scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
rounds = max(1, int(150 * scale))
total = 0
for r in range(rounds):
    words = {}
    for i in range(20000):
        key = "w%d" % ((i * 7919 + r) % 5003)
        words[key] = words.get(key, 0) + i
    ranked = sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))
    text = json.dumps(ranked[:2000])
    total += len(json.loads(text)) + sum(v % 97 for _, v in ranked)
print(total)
