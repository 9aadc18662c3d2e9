"""Setup shared by the published-site benchmarks (not a benchmark itself): a deterministic
content folder of one `sop` document, the environment the `sop-platform` CLI reads, child
processes started and stopped by the benchmark (uvicorn, nginx), `wrk` and its output.

Every child runs in a session of its own and is stopped by its own process-group id.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import _corpus

DOCUMENT = "bench-sop"
SECRET = "bench-secret-key-long-enough-for-hs256-signing"
PYTHON = sys.executable
NGINX = "/usr/sbin/nginx"
XREF = re.compile(r"\]\(([a-z0-9][a-z0-9.-]*)#([^)\s]+)\)")


# --- content ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str | None  # explicit `{#anchor}`, or None for the slug of the text


@dataclass(frozen=True)
class ChapterSource:
    slug: str
    number: int
    title: str
    path: Path
    text: str


def chapter_slug(number: int) -> str:
    return f"chapter-{number:02d}"


def _outline(
    vocab: _corpus.Vocabulary, rng: random.Random, sections: int, chapter: int
) -> list[Heading]:
    """`sections` `##` clauses with 0-2 `###` clauses each; heading texts unique in the
    chapter, and about 40 % of the headings with an explicit anchor."""
    headings: list[Heading] = []
    seen: set[str] = set()

    def heading(level: int, label: str) -> Heading:
        while True:
            text = " ".join(vocab.pick(rng, rng.randint(2, 5))).capitalize()
            if text.lower() not in seen:
                seen.add(text.lower())
                break
        anchor = f"c{chapter}-{label}" if rng.random() < 0.4 else None
        return Heading(level, text, anchor)

    for section in range(1, sections + 1):
        headings.append(heading(2, str(section)))
        for sub in range(1, rng.randint(0, 2) + 1):
            headings.append(heading(3, f"{section}-{sub}"))
    return headings


def _emphasised(vocab: _corpus.Vocabulary, rng: random.Random) -> str:
    text = _corpus.paragraph(vocab, rng)
    if rng.random() < 0.3:
        words = text.split(" ")
        at = rng.randrange(1, len(words) - 1)
        words[at] = f"**{words[at]}**"
        text = " ".join(words)
    return text


def _table(vocab: _corpus.Vocabulary, rng: random.Random) -> str:
    columns = rng.randint(3, 4)
    header = [" ".join(vocab.pick(rng, rng.randint(1, 2))).capitalize() for _ in range(columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * columns]
    for _ in range(rng.randint(3, 8)):
        cells = [" ".join(vocab.pick(rng, rng.randint(1, 3))) for _ in range(columns - 1)]
        cells.insert(1, f"{rng.randint(1, 500)} {rng.choice(['cm', 'm', 'kg', 'min'])}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _list(vocab: _corpus.Vocabulary, rng: random.Random) -> str:
    items = range(1, rng.randint(2, 6) + 1)
    if rng.random() < 0.5:
        return "\n".join(f"{n}. {_corpus.paragraph(vocab, rng, 10, 30)}" for n in items)
    return "\n".join(f"- {_corpus.paragraph(vocab, rng, 6, 20)}" for _ in items)


def _reference(rng: random.Random, own: str, anchors: Mapping[str, Sequence[str]]) -> str:
    """A sentence with a cross-reference to an explicit anchor, in this chapter or another."""
    target = own if rng.random() < 0.3 else rng.choice(sorted(anchors))
    if not anchors[target]:
        target = own
    if not anchors[target]:
        return ""
    anchor = rng.choice(list(anchors[target]))
    href = f"#{anchor}" if target == own else f"{target}#{anchor}"
    return f" Apply [the rules of that clause]({href}) as well."


def _block(
    vocab: _corpus.Vocabulary,
    rng: random.Random,
    own: str,
    anchors: Mapping[str, Sequence[str]],
) -> str:
    roll = rng.random()
    if roll < 0.08:
        return _table(vocab, rng)
    if roll < 0.22:
        return _list(vocab, rng)
    if roll < 0.34:
        return _emphasised(vocab, rng) + _reference(rng, own, anchors)
    return _emphasised(vocab, rng)


def _front_matter(slug: str, number: int, title: str) -> str:
    # The title as a JSON string is a valid YAML double-quoted scalar (never read as a
    # boolean or a number).
    return (
        f"---\ndocument: {DOCUMENT}\nid: {slug}\nnumber: {number}\n"
        f"title: {json.dumps(title, ensure_ascii=False)}\nlanguage: en\n---\n\n"
    )


def chapter_texts(chapters: int, size: int, seed: int) -> list[tuple[str, int, str, str]]:
    """(slug, number, title, whole text) of `chapters` chapters of about `size` UTF-8 bytes
    each: `##`/`###` clauses (some with `{#anchor}`), paragraphs, lists, tables and
    cross-references to explicit anchors of the same or other chapters."""
    vocab = _corpus.Vocabulary(seed)
    rng = random.Random(seed)
    sections = max(1, round(size / 3200))
    outlines = {chapter_slug(n): _outline(vocab, rng, sections, n) for n in range(1, chapters + 1)}
    anchors = {slug: [h.anchor for h in outline if h.anchor] for slug, outline in outlines.items()}
    out = []
    for number, (slug, outline) in enumerate(outlines.items(), start=1):
        title = " ".join(vocab.pick(rng, rng.randint(2, 4))).capitalize()
        head = _front_matter(slug, number, title)
        body = size - len(head.encode())
        parts: list[str] = []
        written = 0
        for index, heading in enumerate(outline, start=1):
            attribute = f" {{#{heading.anchor}}}" if heading.anchor else ""
            parts.append(f"{'#' * heading.level} {heading.text}{attribute}")
            written += len(parts[-1].encode()) + 2
            # Fill up to this heading's share of the size, so the whole lands near `size`.
            while written < body * index // len(outline):
                block = _block(vocab, rng, slug, anchors)
                parts.append(block)
                written += len(block.encode()) + 2
        out.append((slug, number, title, head + _corpus.join_blocks(parts)))
    return out


def write_content(root: Path, chapters: int, size: int, seed: int) -> list[ChapterSource]:
    """`root/sops/bench-sop/` with `document.yaml` and one file per chapter (an
    `SOP_CONTENT_DIR`); `root/standards/` empty."""
    folder = root / "sops" / DOCUMENT
    folder.mkdir(parents=True)
    (root / "standards").mkdir()
    (folder / "document.yaml").write_text(
        "title: Benchmark SOP\nlanguages: [en]\n", encoding="utf-8"
    )
    sources = []
    for slug, number, title, text in chapter_texts(chapters, size, seed):
        path = folder / f"{number:02d}-{slug}.md"
        path.write_text(text, encoding="utf-8")
        sources.append(ChapterSource(slug, number, title, path, text))
    return sources


def mkdocs_text(text: str) -> str:
    """The same chapter for mkdocs: front matter kept (mkdocs reads it as page meta),
    cross-references to other chapters written as links to their `.md` files, as a
    mkdocs author would."""
    return XREF.sub(lambda m: f"]({m.group(1)}.md#{m.group(2)})", text)


# --- the platform's CLI ----------------------------------------------------------------


def cli() -> str:
    """The `sop-platform` script of the running interpreter's environment."""
    beside = Path(PYTHON).with_name("sop-platform")
    if beside.exists():
        return str(beside)
    found = shutil.which("sop-platform")
    if found is None:
        raise SystemExit("sop-platform is not installed (pip install -e .)")
    return found


def platform_env(database_url: str, content_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SOP_DATABASE_URL": database_url,
        "SOP_CONTENT_DIR": str(content_dir),
        "SOP_SECRET_KEY": SECRET,
        "SOP_PUBLIC_SITE": "true",
    }


def run_cli(args: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `sop-platform ARGS`; exits the benchmark with its output if it fails."""
    done = subprocess.run(
        [cli(), *args], env=dict(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(
            f"sop-platform {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done


def platform_from(root: Path) -> list[str]:
    """The `sop-platform` command, importing the package from checkout `root` and nowhere
    else (a benchmark compares two checkouts in one run)."""
    code = (
        f"import sys; sys.path.insert(0, {str(root)!r}); import sop_platform; "
        f"assert sop_platform.__file__.startswith({str(root)!r}), sop_platform.__file__; "
        "from sop_platform.cli import app; app()"
    )
    return [PYTHON, "-c", code]


def prepare_platform(
    root: Path, env: Mapping[str, str], author: str, full_name: str, password: str, name: str
) -> None:
    """`init` and one author account, with checkout `root`'s CLI; exits the benchmark,
    naming `name` and the step, if either fails."""
    account = ["user", "add", author, "--role", "author", "--full-name", full_name]
    for step in (["init"], [*account, "--password-stdin"]):
        done = subprocess.run(
            [*platform_from(root), *step],
            env=dict(env),
            input=f"{password}\n",
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{name}: {' '.join(step)} failed:\n{done.stdout}{done.stderr}")


def publish_available(env: Mapping[str, str]) -> bool:
    """Whether this `sop-platform` has the `publish` command."""
    done = subprocess.run(
        [cli(), "publish", "--help"], env=dict(env), capture_output=True, check=False
    )
    return done.returncode == 0


# --- child processes -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_get(url: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (names in lower case) and body of a GET."""
    request = urllib.request.Request(url, headers={"User-Agent": "sop-bench"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, _lowered(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lowered(error.headers.items()), error.read()


def _lowered(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}


def stop(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM to the child's own process group (it leads it), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


@contextmanager
def service(
    name: str,
    command: Sequence[str],
    ready_url: str,
    logs: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, up once `ready_url` answers (any HTTP status), stopped on leaving
    the block whatever happens; its output goes to `logs/NAME.log`."""
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise SystemExit(
                    f"{name} exited ({process.returncode}) before answering:\n"
                    + log_path.read_text(errors="replace")[-4000:]
                )
            try:
                http_get(ready_url, timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    message = f"{name} did not answer {ready_url} in {timeout:g} s"
                    raise SystemExit(message) from None
                time.sleep(0.1)
        yield process
    finally:
        stop(process)


def uvicorn_command(app: str, port: int, app_dir: Path | None = None) -> list[str]:
    """One uvicorn worker on loopback, factory app, no access log (same for every app)."""
    command = [
        PYTHON,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--workers",
        "1",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if app_dir is not None:
        command += ["--app-dir", str(app_dir)]
    return command


NGINX_CONF = """\
# Written by the benchmark; everything nginx writes stays under {prefix}.
daemon off;
master_process on;
{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 4096;
}}
http {{
    include /etc/nginx/mime.types;
    default_type text/html;
    charset utf-8;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location / {{
            try_files $uri $uri.html $uri/index.html =404;
        }}
    }}
}}
"""


@contextmanager
def nginx(root: Path, port: int, prefix: Path, workers: int = 1) -> Iterator[None]:
    """Debian's nginx serving `root` on 127.0.0.1:`port`, with its configuration, pid file,
    logs and temporary paths under `prefix`; stopped on leaving the block."""
    prefix.mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    # Started by root, nginx would run its workers as `nobody`; they run as we do instead
    # (any other user ignores the directive, so it is written only for root).
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    conf.write_text(
        NGINX_CONF.format(
            prefix=prefix, user=user, workers=workers, port=port, root=root.resolve()
        ),
        encoding="utf-8",
    )
    # `-e` so that nginx never opens the system's error log, even before reading `conf`.
    command = [NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise SystemExit(f"nginx refuses its configuration:\n{check.stderr}")
    with service("nginx", command, f"http://127.0.0.1:{port}/", prefix):
        yield


# --- wrk -------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = re.compile(r"^([0-9.]+)(us|ms|s|m|h)$")


def milliseconds(value: str) -> float:
    """A wrk latency such as `512.00us`, `1.25ms` or `1.02s` in milliseconds."""
    match = _DURATION.match(value.strip())
    if match is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    requests: int
    p50_ms: float
    p99_ms: float
    bad_status: int  # non-2xx/3xx answers
    socket_errors: int
    transfer_per_second: str

    def line(self, label: str, width: int = 30) -> str:
        problems = ""
        if self.bad_status or self.socket_errors:
            problems = f"  WRONG: {self.bad_status} bad status, {self.socket_errors} socket errors"
        return (
            f"  {label:<{width}} {self.requests_per_second:10,.0f} req/s   "
            f"p50 {self.p50_ms:7.2f} ms   p99 {self.p99_ms:7.2f} ms   "
            f"({self.requests:,} requests, {self.transfer_per_second}/s){problems}"
        )


def parse_wrk(output: str) -> WrkResult:
    """The figures of `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    transfer = re.search(r"^Transfer/sec:\s+(\S+)", output, re.MULTILINE)
    if not (rps and total and p50 and p99 and transfer):
        raise ValueError(f"cannot read wrk's output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        requests=int(total.group(1)),
        p50_ms=milliseconds(p50.group(1)),
        p99_ms=milliseconds(p99.group(1)),
        bad_status=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        transfer_per_second=transfer.group(1),
    )


def wrk(url: str, threads: int, connections: int, duration: str) -> WrkResult:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", "--latency", url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def in_temporary_folder(prefix: str, keep: bool, run: Callable[[Path], int]) -> int:
    """`run(folder)` in a new temporary folder, removed afterwards unless `keep`. Ctrl-C (even
    when started with SIGINT ignored, as a shell's background job) and SIGTERM unwind the
    stack, so every process a run started is stopped on the way out."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        return run(directory)
    except KeyboardInterrupt:
        print("interrupted; every process this run started is stopped")
        return 130
    finally:
        if keep:
            print(f"kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
