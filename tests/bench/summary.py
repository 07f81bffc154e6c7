#!/usr/bin/env python3
"""make bench's second half: callgrind's instructions per packet, the machine, the chart.

Reads build/bench/bench.json (bench.c's medians), counts instructions per
packet of `bench --count api|model N` under callgrind (the difference of two
runs, so start-up cancels out), writes build/bench/report.json and report.md,
and draws build/bench/ratios.svg with gnuplot.  With --gate PCT it only counts,
and fails if the public API costs more than PCT% over direct model calls.
Python 3 standard library, valgrind and gnuplot.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys

N1, N2 = 20000, 40000


def instructions(bench, mode, n, out):
    path = os.path.join(out, f"callgrind.{mode}.{n}")
    r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={path}", bench,
                        "--count", mode, str(n)], capture_output=True, text=True)
    m = re.search(r"Collected : (\d+)", r.stderr)
    if r.returncode != 0 or not m:
        sys.exit(f"bench: callgrind of {mode} {n} failed:\n{r.stderr[-2000:]}")
    return int(m.group(1))


def per_packet(bench, out):
    """{mode: instructions per post+get of one packet}, and the API's overhead in percent."""
    ipp = {m: (instructions(bench, m, N2, out) - instructions(bench, m, N1, out)) / (N2 - N1)
           for m in ("api", "model")}
    return ipp, 100.0 * (ipp["api"] / ipp["model"] - 1)


def wine_row(exe, data):
    """Wine's IOCP through the public API beside the model's, same workloads, or None."""
    if not exe or not shutil.which("wine"):
        print("bench: the Win32 row is skipped: no Wine (or no bench_win32.exe)")
        return None
    r = subprocess.run(["wine", exe, str(data["reps"])], capture_output=True, text=True)
    subprocess.run(["wineserver", "-k"], capture_output=True)
    if r.returncode != 0:
        sys.exit(f"bench: {exe} failed under Wine:\n{r.stderr[-2000:]}")
    got = json.loads(r.stdout.strip().split("\n")[-1])
    model = {w["name"]: w["contenders"]["api"]["median"] for w in data["workloads"]}
    row = {k: {"wine": got[k], "model": model[k], "ratio": got[k] / model[k]} for k in ("single", "pingpong")}
    print("bench: Wine's IOCP / the model, both through the public API: " +
          ", ".join(f"{k} {v['ratio']:.1f}x ({v['wine'] * 1e9:.4g} / {v['model'] * 1e9:.4g} ns)"
                    for k, v in row.items()))
    return row


def machine():
    cpu = "unknown CPU"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
            "compiler": subprocess.run(["gcc", "--version"], capture_output=True,
                                       text=True).stdout.split("\n")[0]}


def chart(data, out):
    rows = [w for w in data["workloads"] if w["reference"] != "none"]
    names = ["api", "model", "eventfd", "condvar", "spsc", "pipe"]
    dat = os.path.join(out, "ratios.dat")
    with open(dat, "w") as f:
        f.write("workload " + " ".join(names) + "\n")
        for w in rows:
            vals = [w["contenders"][n]["ratio"] for n in names]
            f.write(w["name"] + " " + " ".join(f"{v:.4f}" if v > 0 else "NaN" for v in vals) + "\n")
    script = f"""set terminal svg size 1040,420 font ",11"
set output "{os.path.join(out, 'ratios.svg')}"
set title "time per packet (ping-pong: p50 round trip) over the reference's, median of {data['reps']}; lower is better"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [0.05:200]
set ylabel "ratio (log scale)"
set key outside right vertical
set xtics rotate by -30
set grid ytics
plot for [i=2:{len(names) + 1}] "{dat}" using i:xtic(1) title columnheader
"""
    r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: gnuplot failed: {r.stderr}")


# Issues #10's, #23's and #24's targets: (workload, limit on the time ratio to its reference, what it says)
TARGETS = [("single", 1.2, "single thread, batch 64: <= 1.2x eventfd"),
           ("burst", 1.2, "a second burst through the same queue, batch 64: <= 1.2x eventfd"),
           ("1p1c", 1.2, "1 producer, 1 consumer: <= 1.2x eventfd"),
           ("pingpong", 1.2, "same-CPU ping-pong p50: <= 1.2x condvar"),
           ("2x4", 1.5, "2 producers x 4 consumers: <= 1.5x eventfd"),
           ("2x8", 1.5, "2 producers x 8 consumers: <= 1.5x eventfd"),
           ("4x4", 1.25, "4 producers x 4 consumers: >= 0.8x eventfd's throughput (time <= 1.25x)"),
           ("8x8", 1.25, "8 producers x 8 consumers: <= 1.25x eventfd")]


def targets(data, overhead):
    """Lines saying, per target, the api and model figures and whether both meet it."""
    by_name = {w["name"]: w for w in data["workloads"]}
    lines = []
    for name, limit, what in TARGETS:
        c = by_name[name]["contenders"]
        got = [c[k]["ratio"] for k in ("api", "model")]
        verdict = "met" if max(got) <= limit else "NOT met"
        spread = ", ".join(f"{k} {c[k]['lowest']:.2f}-{c[k]['highest']:.2f}x" for k in ("api", "model"))
        lines.append(f"{what}: api {got[0]:.2f}x, model {got[1]:.2f}x: {verdict} "
                     f"(single repetitions: {spread})")
    lines.append(f"the module's own cost <= 3% of instructions: {overhead:+.1f}%: "
                 + ("met" if overhead <= 3 else "NOT met"))
    held = by_name["memory"]["contenders"]["model"]["median"]
    lines.append(f"memory after 10^6 packets queued and drained: model {held:.0f} bytes "
                 f"(a block of 256 packets is 6152): <= 64 KiB: " + ("met" if held <= 65536 else "NOT met"))
    peak = by_name["peak"]["contenders"]["model"]["median"]
    lines.append(f"memory while 10^6 packets are queued: model {peak:.2f} bytes per packet: <= 40: "
                 + ("met" if peak <= 40 else "NOT met"))
    rates = [f"{w} {1e3 / (by_name[w]['contenders']['model']['median'] * 1e9):.1f}"
             for w in ("1p1c", "2x2", "2x4", "2x8", "4x4", "8x8")]
    lines.append("model throughput as threads grow, Mpkt/s: " + ", ".join(rates))
    pool = by_name["pool"]["contenders"]
    lines.append(f"a pool of 8 workers, a microsecond's work a packet, beside condvar's plain pool "
                 f"(no target): api {pool['api']['ratio']:.2f}x, model {pool['model']['ratio']:.2f}x")
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bench-nolto", help="the same program built without -flto: the figure through plain calls")
    ap.add_argument("--gate", type=float, help="fail above this overhead, in percent")
    ap.add_argument("--wine", help="bench_win32.exe: the Win32 row, run under Wine if it is installed")
    args = ap.parse_args()
    ipp, overhead = per_packet(args.bench, args.out)
    line = (f"instructions per packet (post + share of get_many, callgrind, LTO build): public API "
            f"{ipp['api']:.1f}, model direct {ipp['model']:.1f}: the module costs {overhead:+.1f}%")
    print(f"bench: {line}")
    if args.gate is not None:
        if overhead > args.gate:
            print(f"bench: FAILED: the module's cost {overhead:.1f}% is above {args.gate}%", file=sys.stderr)
            return 1
        return 0
    data = json.load(open(os.path.join(args.out, "bench.json")))
    data.update(machine=machine(), callgrind={"per_packet": ipp, "overhead_percent": overhead})
    if args.bench_nolto:
        ipp2, overhead2 = per_packet(args.bench_nolto, args.out)
        data["callgrind_nolto"] = {"per_packet": ipp2, "overhead_percent": overhead2}
        line += (f"; without LTO (plain calls into the module): {ipp2['api']:.1f} against "
                 f"{ipp2['model']:.1f}, {overhead2:+.1f}%")
        print(f"bench: without LTO: public API {ipp2['api']:.1f}, model direct {ipp2['model']:.1f}: "
              f"{overhead2:+.1f}%")
    data["wine"] = wine_row(args.wine, data)
    json.dump(data, open(os.path.join(args.out, "report.json"), "w"), indent=1)
    chart(data, args.out)
    goals = targets(data, overhead)
    for g in goals:
        print(f"bench: target: {g}")
    m = data["machine"]
    trips = "a cache line's round trip between two CPUs before each repetition: " + (
        ", ".join(f"{t:.0f}" for t in data["line_ns"]) + " ns" if min(data["line_ns"]) > 0 else "n/a (one CPU)")
    print(f"bench: the machine: {trips}")
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(f"# make bench\n\nMachine: {m['cpu']}, {m['cpus']} CPUs, Linux {m['kernel']}, {m['compiler']}; "
                f"{trips}.\n\n")
        f.write(f"{line}.\n\n![ratios](ratios.svg)\n\n| workload | unit | reference | " +
                " | ".join(data["workloads"][0]["contenders"]) + " |\n")
        f.write("|---" * (3 + len(data["workloads"][0]["contenders"])) + "|\n")
        for w in data["workloads"]:
            cells = [(f"{c['ratio']:.2f}x ({c['median'] * (1 if w['unit'].startswith('bytes') else 1e9):.4g})"
                      if c["ratio"] > 0 else (f"{c['median']:.4g}" if c["median"] >= 0 else "n/a"))
                     for c in w["contenders"].values()]
            f.write(f"| {w['name']} | {w['unit']} | {w['reference']} | " + " | ".join(cells) + " |\n")
        if data["wine"]:
            f.write("\nWine's IOCP (bench_win32.exe under Wine) over the model, both through the public API: "
                    + ", ".join(f"{k} {v['ratio']:.1f}x ({v['wine'] * 1e9:.4g} ns against {v['model'] * 1e9:.4g} ns)"
                                for k, v in data["wine"].items()) + ".\n")
        f.write("\nTargets (issues #10, #23 and #24), judged on the medians above:\n\n" + "".join(f"- {g}\n" for g in goals))
    print(f"bench: {args.out}/report.md, report.json, ratios.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
