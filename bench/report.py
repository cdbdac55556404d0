"""Turn bench/out/results.json into docs/performance.md, each figure beside its target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

NOTES = Path(__file__).resolve().parent / "notes.md"
# The parts of bench/run.py, in the order they run.
PARTS = ("resident", "pageweight", "sentiment", "dashboards", "export")


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "met" if ok else "**missed**"


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _machine(results: dict[str, Any]) -> list[str]:
    m = results.get("machine", {})
    return [
        f"- Measured: {m.get('date')} at commit `{m.get('commit')}`",
        f"- Machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB, "
        f"Linux {m.get('kernel')}; load average at start "
        f"{' '.join(m.get('loadavg_at_start', []))}",
        f"- Python {m.get('python')}, SQLite {m.get('sqlite')}, PostgreSQL {m.get('postgresql')}, "
        f"{m.get('wrk')}",
        f"- Command: `make bench` (= `.venv/bin/python -m bench.run`); this run: "
        f"`{results.get('command')}`",
        _wall_time(results),
    ]


def _wall_time(results: dict[str, Any]) -> str:
    """Say how long the last full run took in all, and each part when last measured."""
    run = results.get("full_run") or results.get("run") or {}
    parts = ", ".join(
        f"{part} {results[part]['elapsed_s']:,} s"
        for part in PARTS
        if isinstance(results.get(part), dict) and "elapsed_s" in results[part]
    )
    total = run.get("elapsed_s")
    told = f"{total:,} s ({total / 60:.1f} min)" if total is not None else "not recorded"
    seeds = ""
    if {"dashboards", "export"} & set(run.get("parts", [])):
        reused = run.get("seeds_reused")
        seeds = ", seeds " + ("reused from bench/out/" if reused else "built in the run")
    ran = run.get("parts", [])
    which = "all parts" if set(ran) >= set(PARTS) else ", ".join(ran)
    return (
        f"- Wall time of the last run of {which}: {told}{seeds}; each part when last "
        f"measured: {parts or 'none'}"
    )


def _resident(results: dict[str, Any]) -> list[str]:
    part = results.get("resident")
    if not part or "error" in part:
        return [f"Not measured: {part.get('error') if part else 'part not run'}", ""]
    s = part["settings"]
    lines = [
        f"wrk, {s['connections']} connections (one per wrk thread), {s['rounds']} rounds of "
        f"{s['seconds']} s or {s['max_journeys']:,} journeys per server, alternating floor and "
        "app; medians of the rounds. One journey = GET the form + POST the answers (303).",
        "",
        "| database | server | journeys/s | p50 ms | p99 ms | server CPU ms/journey "
        "| PostgreSQL CPU ms/journey | wrk CPU ms/journey | rest of machine ms/journey |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    targets: list[str] = []
    for database in ("sqlite", "postgresql"):
        figures = part.get(database)
        if not figures:
            continue
        for name in ("floor", "app"):
            row = figures[name]
            lines.append(
                f"| {database} | {'floor app' if name == 'floor' else 'Community Pulse'} "
                f"| {_fmt(row['journeys_per_s'])} | {_fmt(row['p50_ms'])} "
                f"| {_fmt(row['p99_ms'])} | {_fmt(row['server_cpu_ms_per_journey'], 2)} "
                f"| {_fmt(row['database_cpu_ms_per_journey'], 2)} "
                f"| {_fmt(row['client_cpu_ms_per_journey'], 2)} "
                f"| {_fmt(row['other_cpu_ms_per_journey'], 2)} |"
            )
        ratio = figures["ratio"]
        lines.append(
            f"| {database} | **ratio app/floor** | **{_fmt(ratio.get('journeys_per_s'), 2)}** "
            f"| {_fmt(ratio.get('p50_ms'), 2)} | {_fmt(ratio.get('p99_ms'), 2)} "
            f"| **{_fmt(ratio.get('server_cpu_ms_per_journey'), 2)}** "
            f"| {_fmt(ratio.get('database_cpu_ms_per_journey'), 2)} | | |"
        )
        tput, cpu = ratio.get("journeys_per_s"), ratio.get("server_cpu_ms_per_journey")
        per_round = ", ".join(f"{r:.2f}" for r in figures["throughput_ratio_per_round"])
        targets.append(
            f"| Resident journeys/s vs floor, {database} | ≥ 0.70× | {_fmt(tput, 2)}× "
            f"(rounds: {per_round}) | {_verdict(tput is not None and tput >= 0.7)} |"
        )
        targets.append(
            f"| Server CPU per journey vs floor, {database} | ≤ 1.5× | {_fmt(cpu, 2)}× "
            f"| {_verdict(cpu is not None and cpu <= 1.5)} |"
        )
        lines.append("")
    failures = sum(part[d]["failures"] for d in ("sqlite", "postgresql") if d in part)
    journeys = sum(part[d]["journeys"] for d in ("sqlite", "postgresql") if d in part)
    lines.append(f"{journeys:,} journeys measured, {failures} failed (non-200 form or non-303).")
    lines.append("")
    results.setdefault("_targets", []).extend(targets)
    return lines


def _pageweight(results: dict[str, Any]) -> list[str]:
    part = results.get("pageweight")
    if not part or "error" in part:
        return [f"Not measured: {part.get('error') if part else 'part not run'}", ""]
    lines = [
        "| page | language | requests | bytes | gzip bytes | resources |",
        "|---|---|---:|---:|---:|---|",
    ]
    heaviest = 0
    for page in part["pages"]:
        heaviest = max(heaviest, page["bytes"])
        resources = ", ".join(f"{name} {size:,}" for name, size in page["resources"].items())
        lines.append(
            f"| {page['path']} | {page['language']} | {page['requests']} "
            f"| {page['bytes']:,} | {page['gzip_bytes']:,} | {resources} |"
        )
    lines.append("")
    results.setdefault("_targets", []).append(
        f"| Resident page with everything it loads | ≤ 30 KB (30,720 B) | {heaviest:,} B "
        f"(heaviest of 4) | {_verdict(heaviest <= 30 * 1024)} |"
    )
    return lines


def _sentiment(results: dict[str, Any]) -> list[str]:
    part = results.get("sentiment")
    if not part or "error" in part:
        return [f"Not measured: {part.get('error') if part else 'part not run'}", ""]
    resident = results.get("resident", {}).get("sqlite", {}).get("app", {})
    cpu = resident.get("server_cpu_ms_per_journey")
    share = (
        f" ({part['us_per_typical_submission'] / 10 / cpu:.1f}% of the server CPU of one "
        f"journey on SQLite, {cpu:.2f} ms)"
        if cpu
        else ""
    )
    return [
        f"- English comments (mean {part['mean_english_chars']} characters): "
        f"**{part['english_per_s']:,} scored/s** on one core.",
        f"- Realistic mix (20% Spanish, detected and left unscored): {part['mixed_per_s']:,} /s.",
        f"- 1,000-character comments (the limit): {part['max_length_per_s']:,} /s.",
        f"- Added to one submission (one comment box per form): "
        f"**{part['us_per_typical_submission']} µs** typical{share}; "
        f"{part['us_per_worst_submission']} µs for a 1,000-character comment.",
        "",
    ]


def _timed_table(part: dict[str, Any], target_label: str, results: dict[str, Any]) -> list[str]:
    lines = [
        "| database | page | n responses | page ms | raw aggregate ms | ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for database in ("sqlite", "postgresql"):
        figures = part.get(database)
        if not figures:
            continue
        if "error" in figures:
            lines.append(f"| {database} | error: {figures['error']} | | | | |")
            continue
        for name, row in figures["pages"].items():
            lines.append(
                f"| {database} | {name} | {row['responses']:,} | {_fmt(row['page_ms'])} "
                f"| {_fmt(row['floor_ms'])} | **{_fmt(row['ratio'], 2)}** |"
            )
            results.setdefault("_targets", []).append(
                f"| {target_label} {name}, {database} | ≤ 3× raw aggregate "
                f"| {_fmt(row['ratio'], 2)}× | {_verdict(row['ratio'] <= 3)} |"
            )
    lines.append("")
    return lines


def _dashboards(results: dict[str, Any]) -> list[str]:
    part = results.get("dashboards")
    if not part or "error" in part:
        return [f"Not measured: {part.get('error') if part else 'part not run'}", ""]
    lines = [part.get("description", ""), ""]
    return lines + _timed_table(part, "Dashboard:", results)


def _export(results: dict[str, Any]) -> list[str]:
    part = results.get("export")
    if not part or "error" in part:
        return [f"Not measured: {part.get('error') if part else 'part not run'}", ""]
    lines = [
        part.get("description", ""),
        "",
        "| database | rows | export s | raw csv dump s | time ratio | export peak RSS MB "
        "| raw dump peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    targets = results.setdefault("_targets", [])
    for database in ("sqlite", "postgresql"):
        figures = part.get(database)
        if not figures:
            continue
        if "error" in figures:
            lines.append(f"| {database} | error: {figures['error']} | | | | | |")
            continue
        for row in figures["runs"]:
            lines.append(
                f"| {database} | {row['responses']:,} | {_fmt(row['export_s'])} "
                f"| {_fmt(row['floor_s'])} | **{_fmt(row['ratio'], 2)}** "
                f"| {_fmt(row['export_rss_mb'])} | {_fmt(row['floor_rss_mb'])} |"
            )
        big = figures["runs"][-1]
        small = figures["runs"][0]
        targets.append(
            f"| Export time vs raw dump at {big['responses']:,}, {database} | ≤ 3× "
            f"| {_fmt(big['ratio'], 2)}× | {_verdict(big['ratio'] <= 3)} |"
        )
        targets.append(
            f"| Export peak RSS at {big['responses']:,}, {database} | < 200 MB "
            f"| {_fmt(big['export_rss_mb'])} MB | {_verdict(big['export_rss_mb'] < 200)} |"
        )
        # Peak RSS of one process varies by a few hundred KB run to run (allocator arenas,
        # the zip buffer's last resize): "no higher" allows that much, not growth with size.
        flat = big["export_rss_mb"] <= small["export_rss_mb"] * 1.05 + 2
        targets.append(
            f"| Export RSS flat ({small['responses']:,} → {big['responses']:,}), {database} "
            f"| no higher (± 5 % + 2 MB noise) "
            f"| {_fmt(small['export_rss_mb'])} → {_fmt(big['export_rss_mb'])} MB "
            f"| {_verdict(flat)} |"
        )
    lines.append("")
    return lines


def _when(results: dict[str, Any], part: str) -> list[str]:
    """Say when a part was last measured, how long it took, and how busy the machine was."""
    figures = results.get(part) or {}
    if "measured_at" not in figures:
        return []
    load = " ".join(figures.get("loadavg", [])) or "not recorded"
    return [
        f"*Measured {figures['measured_at']}, {figures.get('elapsed_s', 0):,} s, load "
        f"average at the end: {load}.*",
        "",
    ]


def write_report(results: dict[str, Any], path: Path) -> None:
    """Write the performance report with every figure beside its target."""
    results = dict(results)
    results["_targets"] = []
    body = [
        "# Performance",
        "",
        "Written by `make bench` (bench/run.py); do not edit by hand: the section *Profiles "
        "and fixes* comes from bench/notes.md. Figures are ratios against a floor measured in "
        "the same run on the same machine; absolute times drift between runs.",
        "",
        *_machine(results),
        "",
        "## Resident throughput",
        "",
        *_when(results, "resident"),
        *_resident(results),
        "## Page weight",
        "",
        *_when(results, "pageweight"),
        *_pageweight(results),
        "## Sentiment",
        "",
        *_when(results, "sentiment"),
        *_sentiment(results),
        "## Dashboards at scale",
        "",
        *_when(results, "dashboards"),
        *_dashboards(results),
        "## Export at scale",
        "",
        *_when(results, "export"),
        *_export(results),
    ]
    targets = [
        "",
        "## Targets (issue 6)",
        "",
        "| target | goal | measured | verdict |",
        "|---|---|---|---|",
        *results["_targets"],
        "",
        "Each missed target is explained, with its profile and the fix applied or proposed, "
        "in *Profiles and fixes* below; how the load was generated and how far the shared "
        "machine disturbed it is in *How it is measured*.",
        "",
    ]
    notes = NOTES.read_text() if NOTES.exists() else ""
    split = body.index("## Resident throughput") - 1  # the targets go after the machine
    text = "\n".join([*body[:split], *targets, *body[split + 1 :]]) + "\n\n" + notes
    path.write_text(text.rstrip() + "\n")
