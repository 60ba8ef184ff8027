#!/usr/bin/env python3
"""Benchmarks `agentlint check` on CPython's standard library.

1. Full scan: `agentlint check --all --select bare-except,broad-except` over a
   copy of the stdlib (without site-packages), beside ruff (E722, BLE001) and
   ast-grep (two equivalent tree-sitter rules) when they are installed
   (`pip install ruff==0.17.6 ast-grep-cli==0.51.1`). Prints files, lines,
   median wall time, peak memory, and ratios to the peers measured in the
   same run.
2. Diff mode: the copy as a git repository with 10 changed files;
   `agentlint check --since main` (git included) against `ruff check` of the
   same 10 files: the median wall time of alternating runs and the median
   CPU time (user + system, children included: git's processes count
   against agentlint), which load from other processes disturbs less.

The diff-mode repository is packed (`git gc`), as every clone a CI job or a
developer works in is; agentlint and ruff runs alternate, so load from other
processes hits both alike.

Usage: python3 benches/check_bench.py [--runs N] [--only full|diff]
Targets: full scan <= 0.85x ast-grep, peak memory < 64 MiB (issue 3); diff
mode <= 1.0x ruff (issue 12), hardened git included (issue 16).
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def run_timed(cmd, cwd, runs):
    """Median wall time and peak RSS (MiB) of `cmd` over `runs` runs (after one warm-up)."""
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times, peaks = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        del before, status
    return statistics.median(times), max(peaks)


def real_binary(name):
    """The tool's own executable, not a version manager's shim (a pyenv shim
    is a bash script that adds ~100 ms to every run and would flatter us)."""
    found = shutil.which(name)
    if not found:
        return None
    if name == "ruff":
        try:
            import ruff  # the PyPI package knows where its binary is
            return ruff.find_ruff_bin()
        except Exception:
            pass
    try:
        with open(found, "rb") as fh:
            if fh.read(2) == b"#!":
                out = subprocess.run(["pyenv", "which", name], capture_output=True, text=True)
                if out.returncode == 0 and out.stdout.strip():
                    return out.stdout.strip()
    except OSError:
        pass
    return found


def run_alternating(cmds, cwd, runs):
    """Median wall time of each command, the commands' runs interleaved;
    (min, max) of each; and the median CPU time (user + system of the
    process and the children it waited for)."""
    for cmd in cmds:
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = [[] for _ in cmds]
    cpu = [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[i].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return ([statistics.median(t) for t in times], [(min(t), max(t)) for t in times],
            [statistics.median(c) for c in cpu])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=["full", "diff"], help="run one of the two benchmarks")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=TOP, check=True)
    agentlint = os.path.join(TOP, "target", "release", "agentlint")
    stdlib = sysconfig.get_paths()["stdlib"]
    work = tempfile.mkdtemp(prefix="agentlint-bench-")
    corpus = os.path.join(work, "stdlib")
    shutil.copytree(stdlib, corpus, ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
    files = lines = size = 0
    for root, _, names in os.walk(corpus):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                with open(path, "rb") as fh:
                    data = fh.read()
                files += 1
                lines += data.count(b"\n")
                size += len(data)
    print(f"corpus: {stdlib} (copied, without site-packages): {files} .py files, {lines} lines, {size / 1e6:.1f} MB")
    print(f"machine: {os.cpu_count()} cores; {args.runs} runs each, median wall time, warm cache\n")

    ruff = real_binary("ruff")
    if ruff:
        print(f"ruff: {ruff}")
    if args.only != "diff":
        ours, ours_mem = run_timed(
            [agentlint, "check", "--all", "--select", "bare-except,broad-except", "--format", "json", "-o", os.devnull],
            corpus, args.runs)
        print(f"full scan  agentlint check --all (bare-except, broad-except): {ours:.3f} s, peak {ours_mem:.1f} MiB")
        ours_all, ours_all_mem = run_timed([agentlint, "check", "--all", "--format", "json", "-o", os.devnull], corpus, args.runs)
        print(f"full scan  agentlint check --all (all rules):                {ours_all:.3f} s, peak {ours_all_mem:.1f} MiB")
        if ruff:
            t, _ = run_timed([ruff, "check", "--no-cache", "--select", "E722,BLE001", "--exit-zero", "."], corpus, args.runs)
            print(f"full scan  ruff check --select E722,BLE001:                   {t:.3f} s  -> agentlint/ruff = {ours / t:.2f}x")
        else:
            print("full scan  ruff: not installed (pip install ruff==0.17.6)")
        sg = real_binary("ast-grep")
        if sg:
            t, _ = run_timed([sg, "scan", "-c", os.path.join(HERE, "ast-grep", "sgconfig.yml"), "--json=compact", "."], corpus, args.runs)
            print(f"full scan  ast-grep scan (2 rules):                            {t:.3f} s  -> agentlint/ast-grep = {ours / t:.2f}x (target <= 0.85x)")
        else:
            print("full scan  ast-grep: not installed (pip install ast-grep-cli==0.51.1)")
        print(f"peak memory target < 64 MiB: {'met' if ours_mem < 64 else 'NOT met'} ({ours_mem:.1f} MiB)\n")

    if args.only == "full":
        shutil.rmtree(work, ignore_errors=True)
        return 0

    # Diff mode: a git repository of the corpus with 10 changed files.
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run(git + ["init", "-q", "-b", "main"], cwd=corpus, check=True)
    subprocess.run(git + ["add", "-A"], cwd=corpus, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "base"], cwd=corpus, check=True)
    subprocess.run(git + ["gc", "-q"], cwd=corpus, check=True)
    subprocess.run(git + ["checkout", "-q", "-b", "agent"], cwd=corpus, check=True)
    changed = ["argparse.py", "ast.py", "asyncio/base_events.py", "collections/__init__.py", "csv.py",
               "dataclasses.py", "email/message.py", "json/decoder.py", "logging/__init__.py", "subprocess.py"]
    for rel in changed:
        with open(os.path.join(corpus, rel), "a") as fh:
            fh.write("\n\ndef agent_added():\n    try:\n        pass\n    except:\n        pass\n")
    ours_cmd = [agentlint, "check", "--since", "main", "--format", "json", "-o", os.devnull]
    _, ours_diff_mem = run_timed(ours_cmd, corpus, 1)
    runs = max(args.runs, 15)
    cmds = [ours_cmd, ["git", "diff", "--merge-base", "main", "--unified=0"]]
    if ruff:
        cmds.append([ruff, "check", "--no-cache", "--exit-zero"] + changed)
    medians, ranges, cpu = run_alternating(cmds, corpus, runs)
    print(f"diff mode  {runs} alternating runs, median wall time (min-max), median CPU time (user+system, children included)")
    print(f"diff mode  agentlint check --since main (10 changed files, git included): {medians[0] * 1000:.1f} ms ({ranges[0][0] * 1000:.1f}-{ranges[0][1] * 1000:.1f}), cpu {cpu[0] * 1000:.1f} ms, peak {ours_diff_mem:.1f} MiB")
    print(f"diff mode  git diff --merge-base main --unified=0 alone:                 {medians[1] * 1000:.1f} ms ({ranges[1][0] * 1000:.1f}-{ranges[1][1] * 1000:.1f}), cpu {cpu[1] * 1000:.1f} ms")
    if ruff:
        ratio = medians[0] / medians[2]
        cpu_ratio = cpu[0] / cpu[2] if cpu[2] else float("nan")
        print(f"diff mode  ruff check of the same 10 files:                               {medians[2] * 1000:.1f} ms ({ranges[2][0] * 1000:.1f}-{ranges[2][1] * 1000:.1f}), cpu {cpu[2] * 1000:.1f} ms")
        print(f"diff mode  agentlint/ruff = {ratio:.2f}x wall, {cpu_ratio:.2f}x cpu (target <= 1.0x wall: {'met' if ratio <= 1.0 else 'NOT met'})")
    else:
        print("diff mode  ruff: not installed (pip install ruff==0.17.6)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
