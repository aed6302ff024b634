"""The benchmark's workloads: what each runs, at which rate it is sampled,
whether it prints its own truth, how often one measurement repeats it."""

import os


def make_workloads(bindir, workdir, quick):
    """Each workload: a command, the rate asked, whether it prints truth,
    how often benchrun repeats it inside one measurement."""
    s = "0.2" if quick else "1"
    spawns = "50" if quick else "200"
    here = os.path.dirname(os.path.abspath(__file__))
    sql = os.path.join(workdir, "query.sql")
    with open(sql, "w") as f:
        f.write("CREATE TABLE scale(rows INTEGER);\n")
        f.write(f"INSERT INTO scale VALUES({150000 if quick else 800000});\n")
        with open(os.path.join(here, "workloads", "query.sql")) as q:
            f.write(q.read())
    py = "/usr/bin/python3"

    def c_prog(name, hz=100):
        return {"id": name if hz == 100 else f"{name}@1k", "desc": f"{name} {s}",
                "cmd": [os.path.join(bindir, name), s], "hz": hz, "truth": True}

    return [
        c_prog("cpu"), c_prog("libc"), c_prog("syscall"), c_prog("syscall", 1000),
        c_prog("threads"), c_prog("deep"),
        # Too short to sample: wall and RSS only. perf itself takes ~0.15 s
        # to start and stop, so it gets fewer repeats.
        {"id": "true", "desc": "/bin/true", "cmd": ["/bin/true"], "hz": 100, "truth": False,
         "nosample": True, "repeat": 20 if quick else 30, "repeat_perf": 4 if quick else 6},
        {"id": "spawn", "desc": f"/usr/bin/python3 spawn.py {spawns}",
         "cmd": [py, os.path.join(here, "workloads", "spawn.py"), spawns], "hz": 100,
         "truth": False},
        {"id": "sqlite", "desc": "/usr/bin/sqlite3 :memory: '.read query.sql'",
         "cmd": ["/usr/bin/sqlite3", ":memory:", f".read {sql}"], "hz": 100, "truth": False},
        {"id": "python", "desc": f"/usr/bin/python3 work.py {s}",
         "cmd": [py, os.path.join(here, "workloads", "work.py"), s], "hz": 100, "truth": False},
    ]
