"""Read throughput of a cached published chapter page on one uvicorn worker, with a bare
FastAPI route returning the same bytes as the baseline measured in the same run, and the
static export served by Debian's nginx for comparison.

Setup, in a temporary directory: `sop-platform init` loads the content (by default the
shipped seed content, chapter `anama-sop/manual-clearance`; with `--generated`, a
deterministic `bench-sop` document of `--chapters` chapters of `--size` bytes, chapter
`chapter-01`) into a fresh SQLite database and issues edition 1. Then, all on loopback and
each started and stopped by this script (also on an error or Ctrl-C):

* ours: `uvicorn sop_platform.api.app:app_from_environment --factory --workers 1`; the page
  `/sop/{doc}/{ch}` is fetched once first (so it is rendered and cached) and its bytes kept;
* baseline: the same uvicorn settings serving `bare_app` below: one `async` FastAPI route on
  the same path template that returns those bytes from memory with the same content type;
* nginx: `sop-platform publish --out DIR`, then `/usr/sbin/nginx` (one worker by default,
  its configuration, pid file, logs and temporary paths in the temporary directory; workers
  run as the current user) serving DIR; the page is the export's file for the same chapter
  in the same language (`/sop/{doc}/{ch}.en.html`).
* with `--bare-sync`, for diagnosis: the bare route as a plain `def` (run in the thread
  pool, as sync routes and dependencies are).

Each is loaded with `wrk --latency` (`-t2 -c32 -d10s` unless told), after a short untimed
warm-up, `--rounds` times in turn; the median round is printed with requests per second and
wrk's p50 and p99 latency. Printed: the figures, the page's size and caching headers, and
the ratio ours/bare (target >= 0.8) and of their p99 latencies (target <= 2). wrk is
Debian's package `wrk` (`apt-get install wrk`). wrk, uvicorn and nginx share the machine's
CPUs, so a busy machine lowers every figure; compare them within one run. Nothing is
asserted.

Run from the project root:

    .venv/bin/python bench/site_read.py
    .venv/bin/python bench/site_read.py --duration 30s --connections 64 --rounds 3
    .venv/bin/python bench/site_read.py --generated --size 100000
    .venv/bin/python bench/site_read.py --path /     # the front page instead of a chapter
    .venv/bin/python bench/site_read.py --bare-sync  # also a bare `def` route
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import _site
from storage import verdict

from sop_platform.resources import shipped_dir

RATIO_TARGET = 0.8
P99_TARGET = 2.0  # ours' 99th percentile latency at most twice the bare route's
SEED_PAGE = "/sop/anama-sop/manual-clearance"
BARE_BODY = "SOP_BENCH_BARE_BODY"  # file holding the bytes the bare route returns
BARE_TYPE = "SOP_BENCH_BARE_CONTENT_TYPE"
BARE_PATH = "SOP_BENCH_BARE_PATH"
BARE_SYNC = "SOP_BENCH_BARE_SYNC"
OURS = "ours (uvicorn, 1 worker)"
BARE = "bare FastAPI route"
BARE_DEF = "bare route, sync def"
NGINX = "nginx, static export"
CHAPTER_PAGE = re.compile(r"^/sop/[^/]+/[^/]+$")
HTML_LANG = re.compile(rb"<html[^>]*\blang=[\"']?([A-Za-z-]+)")


def bare_app() -> Any:
    """The baseline, for `uvicorn site_read:bare_app --factory --app-dir bench`: one route
    answering the page's bytes, prebuilt in memory, with its content type."""
    from fastapi import FastAPI, Response

    body = Path(os.environ[BARE_BODY]).read_bytes()
    content_type = os.environ[BARE_TYPE]
    path = os.environ[BARE_PATH]
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    route = "/sop/{document}/{chapter}" if CHAPTER_PAGE.match(path) else path

    if os.environ.get(BARE_SYNC):
        # Diagnosis only: a plain `def` runs in the thread pool, as sync routes do.
        @app.get(route)
        def sync_page() -> Response:
            return Response(content=body, media_type=content_type)

    else:

        @app.get(route)
        async def page() -> Response:
            return Response(content=body, media_type=content_type)

    return app


def median_round(results: Sequence[Any]) -> Any:
    """The round with the median requests per second (the lower middle one for an even
    count), so its latencies belong to the same run."""
    ordered = sorted(results, key=lambda r: r.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--duration", default="10s", help="wrk duration of a round (10s)")
    parser.add_argument("--warmup", default="2s", help="untimed wrk run first (2s; 0 for none)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the three (1)")
    parser.add_argument(
        "--generated", action="store_true", help="a generated document, not the seed content"
    )
    parser.add_argument("--chapters", type=int, default=3, help="generated chapters (3)")
    parser.add_argument("--size", type=int, default=100_000, help="generated chapter bytes")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated content (1)")
    parser.add_argument("--path", help=f"page to load (default {SEED_PAGE} or chapter-01)")
    parser.add_argument("--nginx-workers", type=int, default=1, help="nginx workers (1)")
    parser.add_argument(
        "--bare-sync",
        action="store_true",
        help="also measure the bare route as a plain def (thread pool), for diagnosis",
    )
    parser.add_argument("--no-nginx", action="store_true", help="skip the static export")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.threads < 1 or args.connections < args.threads or args.rounds < 1:
        parser.error("need --threads >= 1, --connections >= --threads, --rounds >= 1")
    if args.path is None:
        args.path = "/sop/bench-sop/chapter-01" if args.generated else SEED_PAGE
    if not args.path.startswith("/"):
        parser.error("--path must start with '/'")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return _site.in_temporary_folder("sop-bench-read-", args.keep, lambda folder: run(args, folder))


def run(args: argparse.Namespace, directory: Path) -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: it is Debian's package `wrk` (apt-get install wrk)")
        return 2
    print(
        f"published-site read benchmark: wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}, {args.rounds} round(s), {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if args.generated:
        content = directory / "content"
        _site.write_content(content, args.chapters, args.size, args.seed)
    else:
        content = shipped_dir("content")
    env = _site.platform_env(f"sqlite:///{directory / 'site.sqlite'}", content)
    _site.run_cli(["init"], env)
    logs = directory / "logs"
    ok = True

    with ExitStack() as stack:
        ours_port = _site.free_port()
        ours = f"http://127.0.0.1:{ours_port}"
        stack.enter_context(
            _site.service(
                "ours",
                _site.uvicorn_command("sop_platform.api.app:app_from_environment", ours_port),
                f"{ours}/",
                logs,
                env=env,
                cwd=directory,
            )
        )
        status, headers, body = _site.http_get(ours + args.path)
        if status != 200:
            print(f"  {args.path} answers {status} on our app, not 200: nothing to measure")
            print(f"  {body[:300]!r}")
            return 1
        again = _site.http_get(ours + args.path)[2]
        if again != body:
            print("  note: the page's bytes differ between two requests")
        content_type = headers.get("content-type", "text/html; charset=utf-8")
        print(
            f"  page {args.path}: {len(body):,} bytes, {content_type}, "
            f"ETag {'yes' if 'etag' in headers else 'no'}, "
            f"Cache-Control {headers.get('cache-control', '-')!r}"
        )

        body_file = directory / "page.bin"
        body_file.write_bytes(body)
        bare_env = {
            **os.environ,
            BARE_BODY: str(body_file),
            BARE_TYPE: content_type,
            BARE_PATH: args.path,
        }
        bare = start_bare("bare", bare_env, args.path, logs, stack)
        targets: list[tuple[str, str]] = [
            (OURS, ours + args.path),
            (BARE, bare + args.path),
        ]
        if args.bare_sync:
            sync = start_bare("bare-sync", {**bare_env, BARE_SYNC: "1"}, args.path, logs, stack)
            targets.append((BARE_DEF, sync + args.path))
        for label, url in targets[1:]:
            status, _headers, answered = _site.http_get(url)
            if status != 200 or answered != body:
                print(f"  WRONG: the {label} does not answer the same bytes")
                ok = False

        if not args.no_nginx:
            served = start_nginx(args, env, directory, stack)
            if served is not None:
                static_base, export = served
                language = page_language(body)
                static_path = exported_page(export, args.path, language)
                if static_path is None:
                    print(f"  the static export has no file for {args.path} ({language})")
                    ok = False
                else:
                    status, headers, static_body = _site.http_get(static_base + static_path)
                    print(
                        f"  static export {static_path}: {len(static_body):,} bytes, "
                        f"{headers.get('content-type', '-')}, nginx answers {status}"
                    )
                    if status == 200:
                        targets.append((NGINX, static_base + static_path))
                    else:
                        ok = False
        print()

        def load(url: str) -> Callable[[], _site.WrkResult]:
            return lambda: _site.wrk(url, args.threads, args.connections, args.duration)

        results: dict[str, list[_site.WrkResult]] = {label: [] for label, _ in targets}
        if args.warmup not in ("0", "0s"):
            for _label, url in targets:
                _site.wrk(url, args.threads, args.connections, args.warmup)
        for _ in range(args.rounds):
            for label, url in targets:
                results[label].append(load(url)())

    print(f"  (load average {os.getloadavg()[0]:.1f} after the runs)")
    figures = {label: median_round(rounds) for label, rounds in results.items()}
    for label, result in figures.items():
        print(result.line(label))
        ok = ok and not (result.bad_status or result.socket_errors)
    if args.rounds > 1:
        for label, rounds in results.items():
            spread = [r.requests_per_second for r in rounds]
            print(
                f"    {label}: rounds {', '.join(f'{x:,.0f}' for x in spread)} req/s "
                f"(stdev {statistics.stdev(spread):,.0f})"
            )
    rps = {label: result.requests_per_second for label, result in figures.items()}
    ratio = rps[OURS] / rps[BARE]
    print(
        f"  ratio ours / bare                {ratio:6.2f}   "
        f"target >= {RATIO_TARGET}: {verdict(ratio >= RATIO_TARGET)}"
    )
    if BARE_DEF in rps:
        print(f"  ratio ours / bare sync def       {rps[OURS] / rps[BARE_DEF]:6.2f}")
    p99 = figures[OURS].p99_ms / figures[BARE].p99_ms
    print(
        f"  p99 ours / bare                  {p99:6.2f}   "
        f"target <= {P99_TARGET:g}: {verdict(p99 <= P99_TARGET)}"
    )
    if NGINX in rps:
        print(f"  ratio nginx / ours               {rps[NGINX] / rps[OURS]:6.2f}")
    return 0 if ok else 1


def start_bare(name: str, env: dict[str, str], path: str, logs: Path, stack: ExitStack) -> str:
    """The bare app on a port of its own, stopped with `stack`; its base URL."""
    port = _site.free_port()
    base = f"http://127.0.0.1:{port}"
    command = _site.uvicorn_command(
        "site_read:bare_app", port, app_dir=Path(__file__).resolve().parent
    )
    stack.enter_context(_site.service(name, command, base + path, logs, env=env))
    return base


def page_language(page: bytes) -> str:
    """The `lang` of a page's `<html>` element ("en" when it has none)."""
    match = HTML_LANG.search(page)
    return match.group(1).decode() if match else "en"


def exported_page(export: Path, path: str, language: str) -> str | None:
    """The path, under the export, of the file that holds page `path` in `language`:
    `sop/doc/ch.en.html` as the export names chapters, or `.html`, `/index.html`."""
    if path.endswith("/"):
        path += "index.html"
    stem = path.strip("/")
    for candidate in (stem, f"{stem}.{language}.html", f"{stem}.html", f"{stem}/index.html"):
        if candidate and (export / candidate).is_file():
            return "/" + candidate
    return None


def start_nginx(
    args: argparse.Namespace, env: dict[str, str], directory: Path, stack: ExitStack
) -> tuple[str, Path] | None:
    """Export the site and serve it with nginx: its base URL and the export's folder, or
    None when this `sop-platform` has no `publish` yet."""
    if not _site.publish_available(env):
        print("  static export skipped: this sop-platform has no 'publish' command yet")
        return None
    export = directory / "export"
    _site.run_cli(["publish", "--out", str(export)], env)
    port = _site.free_port()
    stack.enter_context(_site.nginx(export, port, directory / "nginx", args.nginx_workers))
    return f"http://127.0.0.1:{port}", export


if __name__ == "__main__":
    sys.exit(main())
