#!/usr/bin/env python3
"""Run a command and report its wall time and the peak of the summed
resident memory of its whole process tree (Chrome included), sampled every
100 ms from /proc: `benches/treerss.py CMD ARGS...`."""
import os, subprocess, sys, time

def tree_rss_kib(root):
    children = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(rest[1]), []).append((int(pid), int(rest[21]) * 4))
        except (OSError, IndexError):
            pass
    total, stack = 0, [root]
    while stack:
        for pid, rss in children.get(stack.pop(), []):
            total += rss
            stack.append(pid)
    try:
        with open(f"/proc/{root}/statm") as f:
            total += int(f.read().split()[1]) * 4
    except OSError:
        pass
    return total

start = time.monotonic()
proc = subprocess.Popen(sys.argv[1:])
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss_kib(proc.pid))
    time.sleep(0.1)
wall = time.monotonic() - start
print(f"treerss: exit {proc.returncode}, wall {wall:.1f} s, peak tree RSS {peak / 1024:.0f} MiB", file=sys.stderr)
sys.exit(proc.returncode)
