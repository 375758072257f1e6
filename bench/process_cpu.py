"""Where a command's CPU goes, by kind of process: crawls, Chromium, Playwright's drivers, PostgreSQL…

    python bench/process_cpu.py [--out FILE.json] [--every 0.5] -- COMMAND [ARGS…]

`/usr/bin/time` counts only the processes the command waited for; PostgreSQL's servers (`pg_ctl`
daemonises them) and Chromium's helpers leave the tree and are missed. This samples every process on
the machine (/proc) while COMMAND runs, keeps each one's last CPU reading, and sums the CPU used
during the run by kind: a kind is read from the process's first command line seen (a child of a fork
server is a "forked crawl"; its children are named after it), and counts the processes of each kind
started during the run (sampled: see below). Also prints the machine's busy and
idle seconds over the run (/proc/stat) and a CPU loop timed before and after, because this machine's
speed drifts by a factor of two within hours: compare two commands only when their loops agree.

A process shorter than one sampling interval is missed; run nothing else meanwhile (every process on
the machine is counted).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter

TICK = os.sysconf("SC_CLK_TCK")
# Checked in order against a process's command line: the first that occurs names its kind.
KINDS = (
    "postgres", "chrom", "playwright/driver", "pywb", "wayback", "replica serve", "cli.main worker",
    "forkserver", "xdist", "execnet", "pytest", "cli.main", "multiprocessing.spawn", "tesseract", "soffice",
)  # fmt: skip


def processes(skip: int) -> dict[int, tuple[int, int, str]]:
    """pid → (CPU ticks so far, parent pid, name) of every process but `skip`."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == skip:
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115 (read at once, closed by refcount)
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        fields = rest.split()
        found[int(entry)] = (int(fields[11]) + int(fields[12]), int(fields[1]), name)
    return found


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def kind_of(line: str, name: str, parent_kind: str) -> str:
    kind = next((k for k in KINDS if k in line), (line or name)[:50])
    if parent_kind in ("forkserver", "forked crawl") and kind == "forkserver":
        return "forked crawl"
    if parent_kind == "forked crawl":
        return f"forked crawl's {kind}"
    return kind


def machine_ticks() -> tuple[int, int]:
    """(busy, idle) ticks of the whole machine since boot."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, idle


def cpu_loop() -> float:
    start = time.perf_counter()
    total = 0
    for i in range(20_000_000):
        total += i
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", help="also write the figures, and the busiest processes' command lines, to this JSON file"
    )
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    loop_before = cpu_loop()
    me = os.getpid()
    before = {pid: ticks for pid, (ticks, _, _) in processes(me).items()}
    busy0, idle0 = machine_ticks()
    last: dict[int, int] = {}
    kinds: dict[int, str] = {}
    lines: dict[int, str] = {}
    started = time.monotonic()
    child = subprocess.Popen(command)
    while child.poll() is None:
        for pid, (ticks, parent, name) in processes(me).items():
            if pid not in kinds:
                lines[pid] = command_line(pid)
                kinds[pid] = kind_of(lines[pid], name, kinds.get(parent, ""))
            last[pid] = ticks
        time.sleep(args.every)
    wall = time.monotonic() - started
    busy1, idle1 = machine_ticks()
    by_kind: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for pid, ticks in last.items():
        by_kind[kinds[pid]] += (ticks - before.get(pid, 0)) / TICK
        count[kinds[pid]] += pid not in before
    figures = {
        "command": command, "exit": child.returncode, "wall_s": round(wall, 1),
        "machine_busy_s": (busy1 - busy0) / TICK, "machine_idle_s": (idle1 - idle0) / TICK,
        "cpu_loop_s": [round(loop_before, 2), round(cpu_loop(), 2)],
        "by_kind_s": {k: round(v, 1) for k, v in by_kind.most_common() if v >= 0.1},
        "processes_by_kind": {k: count[k] for k, v in by_kind.most_common() if v >= 0.1},
        "busiest_processes": [
            {"cpu_s": round((ticks - before.get(pid, 0)) / TICK, 1), "kind": kinds[pid], "command": lines[pid][:300]}
            for pid, ticks in sorted(last.items(), key=lambda p: before.get(p[0], 0) - p[1])[:40]
        ],
    }  # fmt: skip
    print(
        f"wall {wall:.1f} s, machine busy {figures['machine_busy_s']:.0f} CPU-s, idle "
        f"{figures['machine_idle_s']:.0f} s; CPU loop {figures['cpu_loop_s'][0]} s before, "
        f"{figures['cpu_loop_s'][1]} s after",
        file=sys.stderr,
    )
    for kind, seconds in figures["by_kind_s"].items():
        if seconds >= 0.5:
            print(f"{seconds:9.1f}  {count[kind]:5d}  {kind}", file=sys.stderr)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1, ensure_ascii=False)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
