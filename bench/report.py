"""Render the benchmark results as Markdown tables, for docs/performance.md.

    python bench/report.py [bench/results/latest.json bench/results/delivery.json bench/results/call_setup.json]
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
CONFIGS = ["inmemory-1", "redis-1", "redis-2", "floor"]
TITLES = {"inmemory-1": "in-process, 1 worker", "redis-1": "Redis, 1 worker", "redis-2": "Redis, 2 workers",
          "floor": "floor (bare relay)"}


def ms(figure, key):
    value = (figure or {}).get(key)
    return "–" if value is None else f"{value:.2f}"


def load(name):
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    main_run, delivery, call = load("latest.json"), load("delivery.json"), load("call_setup.json")
    out = []
    if main_run:
        machine = main_run["machine"]
        out.append(f"Run {main_run['when']} on {machine['cpu']}, {machine['cores']} cores, "
                   f"{machine['memory_bytes'] // 2**30} GiB, Linux {machine['kernel']}, Python {machine['python']}.\n")
        results = main_run["results"]
        configs = [c for c in CONFIGS if c in results]

        rows = []
        for c in configs:
            join = results[c].get("join", {})
            rows.append([TITLES[c], join.get("idle_sockets", "–"), ms(join.get("join"), "p50_ms"),
                         ms(join.get("join"), "p99_ms"), join.get("load_generator_cpu_share", "–")])
        out += ["**Join latency** (socket open to `welcome`, ms), with other sockets connected:\n",
                table(["configuration", "other sockets", "p50", "p99", "load generator CPU share"], rows), ""]

        for scenario, title in (("relay-small", "10 rooms × 4 peers"), ("relay-large", "250 rooms × 4 peers")):
            rows = []
            for c in configs:
                r = results[c].get(scenario, {})
                rows.append([TITLES[c]] + [f"{ms(r.get(k), 'p50_ms')} / {ms(r.get(k), 'p99_ms')}"
                                           for k in ("offer", "candidate", "chat")]
                            + [r.get("servers_cpu_share", "–"), r.get("load_generator_cpu_share", "–")])
            out += [f"**Relay latency, {title}**, 2 messages a second each (one-way, p50 / p99 ms):\n",
                    table(["configuration", "offer", "candidate", "chat", "servers' CPU share",
                           "load generator CPU share"], rows), ""]

        rows = []
        for c in configs:
            r = results[c].get("throughput", {})
            workers = 2 if c == "redis-2" else 1
            best = r.get("delivered_per_s_under_limit")
            last = (r.get("steps") or [{}])[-1]
            rows.append([TITLES[c], best if best is not None else "–",
                         round(best / workers) if best else "–", f"{last.get('offered_per_s', '–')} → p99 "
                         f"{last.get('p99_ms', '–')} ms"])
        out += ["**Throughput**: relays delivered a second while p99 stays ≤ 20 ms (rooms of 6, ~200-byte "
                "messages):\n", table(["configuration", "delivered/s", "per worker", "last step"], rows), ""]

        rows = []
        for c in configs:
            r = results[c].get("idle", {})
            per = r.get("server_bytes_per_socket")
            rows.append([TITLES[c], r.get("sockets_alive_at_end", "–"), r.get("sockets_opened", "–"),
                         f"{r.get('server_rss_bytes', 0) / 2**20:.0f} MiB" if r.get("server_rss_bytes") else "–",
                         f"{per / 1024:.1f} KiB" if per else "–"])
        out += ["**Idle capacity**: joined sockets held with heartbeats on:\n",
                table(["configuration", "alive at the end", "opened", "server RSS", "per socket"], rows), ""]
    if delivery:
        rows = []
        for c, scenarios in delivery["results"].items():
            r = scenarios.get("delivery", {})
            rows.append([TITLES[c], r.get("duration_s"), r.get("relays_sent"), r.get("relays_lost"),
                         r.get("seq_gaps_seen"), r.get("joins_and_leaves"), r.get("errors")])
        out += ["**Delivery** with joins and leaves going on:\n",
                table(["configuration", "seconds", "relays sent", "lost", "seq gaps seen", "joins and leaves",
                       "errors"], rows), ""]
    if call:
        rows = [[phase, figures["p50_ms"], figures["p95_ms"], figures["count"]]
                for phase, figures in call["phases"].items()]
        out += [f"**Call setup** between two headless Chromium peers ({call['layer']} layer, {call['calls']} calls), "
                "ms:\n", table(["phase", "p50", "p95", "calls"], rows), ""]
    print("\n".join(out))


if __name__ == "__main__":
    main()
