"""The benchmark's table, as Markdown: printed and written to a file."""

from __future__ import annotations

import math

from bench.bench_search import render as render_search

TARGETS = ("Targets (issue 7, 100k practices): serving worker RSS <= 500 MiB; store load <= 15 s; canned "
           "queries through /sparql <= 1.2x oxigraph serve; remote adds <= 3 ms p50 to a dereference. Issue 14: search p50 <= 20 ms, p95 <= 60 ms.")


def ms(seconds: float | None) -> str:
    return "-" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f}"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def section(r: dict) -> list[str]:
    b = r["build"]
    lines = [f"## {r['n']:,} practices ({b.get('triples') or 0:,} triples)", ""]
    lines.append(f"Data: `{r['data']}` ({'reused' if r['data_reused'] else 'generated'}); build: `{b['out']}`.")
    lines.append("")
    if b.get("reused"):
        lines.append("Build: reused an existing build (no stage times; run without --reuse to measure).")
    else:
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in b["stages"].items())
        lines.append(f"Build (`bdp build` in a child process): **{b['total']:.1f} s** ({stages}); peak memory "
                     f"**{b['peak_mib']} MiB**. Store load (the `store` stage, Oxigraph bulk load): "
                     f"**{b['stages'].get('store', float('nan')):.1f} s**.")
    for key, what in (("publish", "into a named graph (`--graph`, pointer switch)"),
                      ("publish_default", "into the default graph (MOVE)")):
        p = r.get(key)
        if p and "error" not in p:
            lines.append(f"`bdp publish` {what} of a fresh `oxigraph serve`: {p['wall']:.1f} s in all (upload "
                         f"{p['upload']:.1f} s, atomic switch {p['switch']:.2f} s); the store's peak RSS "
                         f"{p['store_peak_mib']:.0f} MiB.")
        elif p:
            lines.append(f"`bdp publish` {what} failed: {p['error']}")
    if r.get("remote_store"):
        lines.append(f"Remote mode reads {r['remote_store']}; the oxigraph column is `oxigraph serve-read-only` "
                     "over the build's own store.")
    if r["queries"]:
        lines += ["", "| canned query | embedded (in-process) ms | our /sparql ms | our /sparql, remote mode ms | "
                  "oxigraph serve ms | ours / oxigraph |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for q in r["queries"]:
            ratio = q["ours"]["median"] / q["oxigraph"]["median"] if q["oxigraph"]["median"] else float("nan")
            flag = "" if q["ours"]["status"] == 200 else f" (HTTP {q['ours']['status']})"
            if q["ours"].get("capped"):
                flag += f" (ours cut at the row cap: {q['ours']['bytes']:,} bytes against {q['oxigraph']['bytes']:,})"
            lines.append(f"| {q['name']}{flag} | {ms(q['embedded']['median'])} | {ms(q['ours']['median'])} | "
                         f"{ms(q['remote']['median'])} | {ms(q['oxigraph']['median'])} | {_num(ratio, 2)} |")
    if r["deref"]:
        lines += ["", "| dereference | mode | p50 ms (1 client) | p90 | p99 | req/s ({c} clients) | p50 ms under load | "
                  "non-200 / errors | worker RSS MiB | worker + its query processes, RSS / PSS MiB |".format(c=r["concurrency"]),
                  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for d in r["deref"]:
            lat, thr = d["latency"], d["throughput"]
            bad = sum(v for k, v in {**lat["statuses"], **thr["statuses"]}.items() if str(k) != "200")
            lines.append(f"| {d['format']} | {d['mode']} | {_num(lat['p50'], 2)} | {_num(lat['p90'], 2)} | "
                         f"{_num(lat['p99'], 2)} | {_num(thr['rps'], 0)} | {_num(thr['p50'], 1)} | "
                         f"{bad} / {lat['errors'] + thr['errors']} | {_num(d['memory']['worker_rss'], 0)} | "
                         f"{_num(d['memory']['worker_tree_rss'], 0)} / "
                         f"{_num(d['memory'].get('worker_tree_pss', float('nan')), 0)} |")
    for fmt in sorted({d["format"] for d in r["deref"]}):
        by_mode = {d["mode"]: d["latency"]["p50"] for d in r["deref"] if d["format"] == fmt}
        if "embedded" in by_mode and "remote" in by_mode:
            lines.append(f"\nRemote mode adds **{by_mode['remote'] - by_mode['embedded']:+.2f} ms** p50 to a "
                         f"{fmt} dereference (1 client).")
    if r.get("search"):
        lines += ["", *render_search(r["search"])]
    if r.get("export"):
        from bench.bench_export import section as export_section

        lines += [""] + export_section(r["export"])
    return lines + [""]


def render(header: dict, results: list[dict]) -> str:
    lines = ["# bdp benchmark", "", f"Run {header['when']} on {header['machine']}; command: `{header['command']}`.",
             f"Servers: gunicorn -w {header['workers']} --threads {header['threads']}; load generator in its own "
             "process on the same machine (it competes for the same cores).", "", TARGETS, ""]
    for r in results:
        lines += section(r)
    return "\n".join(lines) + "\n"
