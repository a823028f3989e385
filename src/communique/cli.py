"""The command line: the only place that parses flags, prints, and turns errors into exit codes."""

from __future__ import annotations

import argparse
import glob
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from communique import __version__
from communique.errors import CommuniqueError, ErrorList, UsageError, path_error, read_input
from communique.options import add_arguments, argparse_type, from_arguments, paper_size, source_date_epoch
from communique.project import Project
from communique.text_rules import printable, printable_lines

if TYPE_CHECKING:
    from communique.batch import BatchResult, Outcome
    from communique.pipeline import MadePdf
    from communique.preview.watch import Rebuilder, Rebuilt
    from communique.project import BuildContext

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    # pypdf's log lines ("EOF marker not found") would stand unprefixed before ours; --verbose shows them
    logging.getLogger("pypdf").setLevel(logging.NOTSET if args.verbose else logging.CRITICAL + 1)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # The reader went away (`communique inspect --json | head`): stop quietly, as `cat` would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except CommuniqueError as error:
        return _failed(args, error)
    except OSError as error:  # the file system refused a path given (too long, not a folder, a loop)
        return _failed(args, path_error(error))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # a bug: say so plainly, show details only on request
        if args.verbose:
            traceback.print_exc()
        else:
            print(
                "internal error (run again with --verbose for the traceback, and report it)", file=sys.stderr
            )
        return EXIT_FAILED


def _no_image_options(args: argparse.Namespace, hint: str) -> None:
    """UsageError where --pages or --dpi is given for a PDF (they are for page images)."""
    if args.pages is not None or args.dpi is not None:
        raise UsageError(f"{'--pages' if args.pages is not None else '--dpi'} is for page images", hint=hint)


def _check_layout(project: Project, name: str) -> None:
    from communique.errors import UnknownLayoutError
    from communique.layouts import find_layout

    try:
        find_layout(project, name)
    except UnknownLayoutError as error:
        raise UsageError(f"--layout: {error.message}", hint=error.hint) from None


def _failed(args: argparse.Namespace, error: CommuniqueError) -> int:
    """Report `error` (with the traceback under --verbose) and return its exit code."""
    if args.verbose:
        traceback.print_exc()
    located = error.location is not None or isinstance(error, ErrorList)
    _say(str(error) if located else f"error: {error}", sys.stderr)
    if getattr(args, "report", None) == "json":  # a report is promised: give the failure as one
        from communique.batch import REPORT_FORMAT

        report = {"format": REPORT_FORMAT, "problems": error.as_json()}
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return error.exit_code


def _say(text: str, stream: TextIO) -> None:
    """Print text that may quote the data (keys, language tags, file names) with every character a
    terminal would act on or hide escaped (an escape sequence in a key could set the terminal's title)."""
    print(printable_lines(text), file=stream)


def _data_files(paths: Sequence[str]) -> list[Path]:
    """Files, folders (their .yaml files) and glob patterns, expanded in order, each file once."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        elif path.is_file():
            files.append(path)
        elif matches := sorted(glob.glob(name, recursive=True)):  # noqa: PTH207 (absolute patterns too)
            files.extend(Path(match) for match in matches if Path(match).is_file())
        else:
            raise UsageError(
                f"{name}: no such file or folder", hint="give data files (.yaml) or folders of them"
            )
    if not files:
        given = ", ".join(printable(name) for name in paths)
        raise UsageError(
            f"no data files in {given}" if paths else "no data files given",
            hint="give data files (.yaml) or folders holding them",
        )
    return list(dict.fromkeys(files))


def _source_date_epoch() -> int | None:
    return source_date_epoch(os.environ.get("SOURCE_DATE_EPOCH"))


def _each(files: list[Path], step: Callable[[Path], None]) -> int:
    """Run `step` on every file, report each failure, and return the worst exit code."""
    worst = EXIT_OK
    for path in files:
        try:
            step(path)
        except CommuniqueError as error:
            located = error.location is not None or isinstance(error, ErrorList)
            _say(str(error) if located else f"error: {error}", sys.stderr)
            worst = max(worst, error.exit_code)
    return worst


def _project(args: argparse.Namespace, files: Sequence[Path]) -> Project:
    """--project, else the project of the data files (UsageError if they belong to different ones).
    A communique.toml passed over because another user owns it is named in a warning."""
    if args.project:
        return Project.at(Path(args.project))
    found = {file: Project.discover(file) for file in files or [Path.cwd()]}
    for config in dict.fromkeys(path for project in found.values() for path in project.ignored_configs):
        _say(
            f"warning: {config} is owned by another user and was not used "
            f"(hint: if it is meant for this build, pass --project {config.parent})",
            sys.stderr,
        )
    if not files:
        return found[Path.cwd()]
    configured = {project.root: project for project in found.values() if project.config_file}
    outside = [str(file) for file, project in found.items() if project.root not in configured]
    if len(configured) > 1 or (configured and outside):
        names = sorted(map(str, configured)) + (["files outside any project"] if outside else [])
        raise UsageError(
            f"the data files belong to different projects: {', '.join(names)}",
            hint="build each project on its own, or choose one with --project",
        )
    return next(iter(configured.values()), found[files[0]])


def _build(args: argparse.Namespace) -> int:
    from communique.batch import (
        BatchOptions,
        memory_limits_supported,
        parse_shard,
        run_batch,
        select_shard,
        usable_cpus,
    )
    from communique.project import BuildContext

    files = _data_files(args.paths)
    project = _project(args, files)
    if args.shard:
        shard = parse_shard(args.shard)
        count = len(files)
        files = select_shard(files, shard)
        if not files:
            files_in_all = f"{count} data file{'' if count == 1 else 's'} in all"
            print(f"shard {args.shard} has no documents ({files_in_all})", file=sys.stderr)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give at least 1", hint="--jobs 2 uses two worker processes")
    for flag, limit in (("--timeout", args.timeout), ("--memory-limit", args.memory_limit)):
        if limit is not None and not 0 <= limit < float("inf"):
            raise UsageError(f"{flag} {limit}: give a number, or 0 for no limit", hint=f"e.g. {flag} 600")
    context = BuildContext(project, from_arguments(args, project.config.options), _source_date_epoch())
    if args.layout is not None:  # a misspelt --layout is the command's mistake, not each data file's
        _check_layout(project, args.layout)
    out = _output_folder(args.out, project)
    if args.format != "pdf":
        return _build_images(args, files, out, context)
    _no_image_options(args, "add --format png (or svg) to write page images instead of the PDF")
    if args.memory_limit and not memory_limits_supported():
        _say(
            "warning: this system cannot limit a process's memory, so --memory-limit is not applied",
            sys.stderr,
        )
    defaults = BatchOptions()
    options = BatchOptions(
        args.jobs or usable_cpus(),
        args.force,
        args.fail_fast,
        timeout=defaults.timeout if args.timeout is None else args.timeout,
        memory_limit=defaults.memory_limit if args.memory_limit is None else args.memory_limit,
    )
    progress = _Progress(
        quiet=args.quiet,
        stream=sys.stderr if args.report == "json" else sys.stdout,
        bar=sys.stderr.isatty() and not os.environ.get("CI") and not args.quiet,
    )
    result = run_batch(
        files, out, context, options, progress.show, lambda text: _say(f"warning: {text}", sys.stderr)
    )
    progress.finish(result)
    if args.report == "json":
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
    if result.interrupted:
        if any(outcome.status != "failed" for outcome in result.outcomes):
            print("interrupted: the manifest records what was built; run again to finish", file=sys.stderr)
        else:
            print("interrupted before any document was built; run again to build", file=sys.stderr)
        return 130
    return result.exit_code


def _output_folder(given: str | None, project: Project) -> Path:
    """The folder builds write into: `--out`, else the project's; UsageError where it is a file."""
    if given:
        return _not_a_file(Path(given), "--out")
    return _not_a_file(project.output_dir, "the project's output folder ([build] output in communique.toml)")


def _not_a_file(out: Path, where: str) -> Path:
    """`out`, or UsageError naming `where` it came from when it is a file."""
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"{printable(str(out))} is a file, not a folder: {where}",
            hint="give a folder to write the PDFs into (it is made if missing)",
        )
    return out


def _build_images(args: argparse.Namespace, files: list[Path], out: Path, context: BuildContext) -> int:
    """`build --format png|svg`: each document's pages as images, drawn in this process one document
    after another (one warm render session; no manifest: images are for review, not the batch cache)."""
    from communique.engine.renderer import RenderSession
    from communique.pipeline import build_images
    from communique.preview.images import DEFAULT_DPI, ImageRequest

    for flag, given in (
        ("--report", args.report),
        ("--jobs", args.jobs),
        ("--archival", context.options.archival),
    ):
        if given:
            raise UsageError(
                f"{flag} is for PDF builds, not page images", hint=f"leave out {flag} or --format"
            )
    request = ImageRequest(args.format, args.pages, args.dpi or DEFAULT_DPI)
    session = RenderSession()

    def one(path: Path) -> None:
        result = build_images(path, out, context, request, session)
        for warning in result.warnings:
            _say(f"warning: {path}: {warning}", sys.stderr)
        if not args.quiet:
            for image in result.images:
                print(f"wrote {printable(str(image))}")

    return _each(files, one)


def _rebuilder(args: argparse.Namespace, write: Callable[[MadePdf], Path | None]) -> Rebuilder:
    """The warm build session of `watch` and `preview`: the data files of `args.paths` (folders again
    each round), the project's config read again each round, the command's options on top."""
    from communique.preview.watch import Rebuilder
    from communique.project import BuildContext

    files = _data_files(args.paths)
    if args.layout is not None:
        _check_layout(_project(args, files), args.layout)

    def context() -> BuildContext:
        project = _project(args, files)
        return BuildContext(project, from_arguments(args, project.config.options), _source_date_epoch())

    folders = tuple(Path(name) for name in args.paths if Path(name).is_dir())
    return Rebuilder(lambda: _data_files(args.paths), context, write, folders=folders)


def _report_rebuilds(results: list[Rebuilt]) -> None:
    """One line per document built again; a failure's located error, and that the last good PDF stays."""
    for rebuilt in results:
        if rebuilt.error is not None:
            error = rebuilt.error
            located = error.location is not None or isinstance(error, ErrorList)
            _say(str(error) if located else f"error: {error}", sys.stderr)
            print(
                f"not rebuilt {printable(str(rebuilt.source))}: the last good output stays", file=sys.stderr
            )
            continue
        assert rebuilt.made is not None
        for warning in rebuilt.made.warnings:
            _say(f"warning: {rebuilt.source}: {warning}", sys.stderr)
        pages = rebuilt.made.page_count
        where = printable(str(rebuilt.output or rebuilt.source))
        print(f"built {where} ({pages} page{'s' if pages > 1 else ''}, {rebuilt.seconds:.2f} s)", flush=True)
    sys.stdout.flush()


def _announce_watching(files: set[Path], folders: set[Path]) -> None:
    print(f"watching {len(files)} files in {len(folders)} folders (Ctrl-C to stop)", flush=True)


def _watch(args: argparse.Namespace) -> int:
    from communique.batch import terminated_as_interrupt
    from communique.preview.watch import watch
    from communique.write import output_path, write_atomic

    if args.out:  # named once, before any build, where it is a file
        _not_a_file(Path(args.out), "--out")

    def write(made: MadePdf) -> Path:
        target = output_path(made.source, _output_folder(args.out, _project(args, [made.source])))
        write_atomic(target, made.data)
        return target

    rebuilder = _rebuilder(args, write)

    try:
        with terminated_as_interrupt():
            watch(rebuilder, _report_rebuilds, _announce_watching)
    except KeyboardInterrupt:
        print("stopped watching", flush=True)
    return EXIT_OK


def _port(text: str) -> int:
    """A TCP port number, 0 for any free one."""
    if not text.isascii() or not text.isdigit() or int(text) > 65535:
        raise UsageError(
            f"port {text}: give a number from 0 to 65535", hint="or leave --port out for a free one"
        )
    return int(text)


def _preview(args: argparse.Namespace) -> int:
    from communique.batch import terminated_as_interrupt
    from communique.preview.server import PreviewServer, PreviewState
    from communique.preview.watch import watch

    state = PreviewState(args.dpi)

    def show(made: MadePdf) -> None:
        state.show(made)

    rebuilder = _rebuilder(args, show)
    if len(rebuilder.expand()) != 1:
        raise UsageError("preview shows one document", hint="give one data file (watch builds several)")
    try:
        server = PreviewServer(state, args.port)
    except OSError as error:
        raise UsageError(
            f"cannot listen on port {args.port}: {error.strerror}", hint="choose another --port"
        ) from None

    def report(results: list[Rebuilt]) -> None:
        _report_rebuilds(results)
        state.report(results)

    threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
    try:  # from the announcement on, Ctrl-C stops the preview (a loaded machine may run the caller first)
        with terminated_as_interrupt():
            print(f"preview of {printable(args.paths[0])} at {server.url} (Ctrl-C to stop)", flush=True)
            if args.open:
                import webbrowser

                webbrowser.open(server.url)
            watch(rebuilder, report, _announce_watching)
    except KeyboardInterrupt:
        print("stopped the preview", flush=True)
    finally:
        state.close()
        server.shutdown()
        server.server_close()
    return EXIT_OK


class _Progress:
    """Per-document lines (not a terminal, or CI set), or a progress bar with counts and ETA."""

    def __init__(self, quiet: bool, stream: TextIO, bar: bool):
        self.quiet, self.stream, self.bar = quiet, stream, bar
        self.started = time.monotonic()
        self.counts = {"built": 0, "skipped": 0, "failed": 0}

    def show(self, outcome: Outcome, done: int, total: int) -> None:
        self.counts[outcome.status] += 1
        for warning in outcome.warnings:
            self._above(f"warning: {outcome.source}: {warning}", sys.stderr)
        if outcome.status == "failed":
            self._above(outcome.error, sys.stderr)
        elif not self.quiet and not self.bar:
            if outcome.status == "built":
                detail = (
                    f"{outcome.pages} pages, {outcome.bytes / 1024:.0f} KiB, {outcome.build_seconds:.2f} s"
                )
                print(f"built {printable(outcome.output)} ({detail})", file=self.stream, flush=True)
            else:
                print(f"skipped {printable(outcome.output)} (unchanged)", file=self.stream, flush=True)
        if self.bar:
            elapsed = time.monotonic() - self.started
            eta = elapsed / done * (total - done)
            filled = int(30 * done / total)
            counts = ", ".join(f"{count} {status}" for status, count in self.counts.items())
            line = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {counts}, ETA {eta:.0f} s"
            print(f"\r{line}\x1b[K", end="" if done < total else "\n", file=sys.stderr, flush=True)

    def _above(self, text: str, stream: TextIO) -> None:
        prefix = "\r\x1b[K" if self.bar else ""
        print(prefix + printable_lines(text), file=stream, flush=True)

    def finish(self, result: BatchResult) -> None:
        if len(result.outcomes) > 1 and not self.quiet:
            counts = ", ".join(f"{count} {status}" for status, count in self.counts.items())
            print(f"{counts} in {result.seconds:.1f} s", file=self.stream)
        failures = [outcome for outcome in result.outcomes if outcome.status == "failed"]
        if len(result.outcomes) > 1 and failures:
            print(f"{len(failures)} failed:", file=sys.stderr)
            for outcome in failures:
                _say(f"  {outcome.error.splitlines()[0]}", sys.stderr)


def _merge(args: argparse.Namespace) -> int:
    from communique.batch import merge_manifests

    patterns = args.manifests
    names = [m for name in patterns for m in (sorted(glob.glob(name, recursive=True)) or [name])]  # noqa: PTH207
    count = merge_manifests([Path(name) for name in names], Path(args.out))
    documents = f"{count} document{'' if count == 1 else 's'}"
    print(f"merged {len(names)} manifest{'' if len(names) == 1 else 's'} ({documents}) into {args.out}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from communique.fonts import check_coverage, project_fonts
    from communique.layouts import chosen_layout
    from communique.loader import load
    from communique.project import BuildContext
    from communique.standards import check_alternatives

    files = _data_files(args.paths)
    project = _project(args, files)
    context = BuildContext(project, project.config.options)
    fonts = project_fonts(project)

    def one(path: Path) -> None:
        communique = load(path)
        chosen_layout(context, communique)
        for warning in check_coverage(communique, fonts):  # a variation sequence the face lacks
            print(f"warning: {warning}", file=sys.stderr)
        check_alternatives(communique, context.standard)  # as the project's builds declare
        print(f"ok {path}")

    return _each(files, one)


def _check(args: argparse.Namespace) -> int:
    from communique.check import REPORT_FORMAT, check
    from communique.loader import load

    files = _data_files(args.paths)
    reports: list[dict[str, object]] = []
    found = 0

    def one(path: Path) -> None:
        nonlocal found
        try:
            findings = check(load(path))
        except CommuniqueError as error:  # reported by _each; the JSON report names it too
            if args.report == "json":
                reports.append({"file": str(path), "findings": [], "problems": error.as_json()})
            raise
        found += len(findings)
        if args.report == "json":
            reports.append({"file": str(path), "findings": [finding.as_dict() for finding in findings]})
            return
        for finding in findings:
            print(printable(str(finding)))
            for lang, text in finding.texts:
                print(f"    {lang}: {printable(text)}")
        if not findings:
            print(f"ok {printable(str(path))}")

    worst = _each(files, one)
    if args.report == "json":
        print(json.dumps({"format": REPORT_FORMAT, "files": reports}, ensure_ascii=False, indent=1))
    elif found:
        print(
            f"{found} finding{'s' if found != 1 else ''}; correct the version, or accept a real difference "
            "in the data (accept: kind, where, value and because)",
            file=sys.stderr,
        )
    return worst if worst != EXIT_OK else (EXIT_FAILED if found else EXIT_OK)


def _compare(args: argparse.Namespace) -> int:
    from communique.compare import redline_path
    from communique.pipeline import images_of, make_redline
    from communique.preview.images import DEFAULT_DPI, ImageRequest
    from communique.project import BuildContext
    from communique.write import write_atomic

    old, new = Path(args.old), Path(args.new)
    project = _project(args, [new])
    if args.layout is not None:
        _check_layout(project, args.layout)
    options = project.config.options.overridden(
        {"layout": args.layout, "paper": args.paper, "strict": args.strict or None}
    )
    context = BuildContext(project, options, _source_date_epoch())
    out = Path(args.out) if args.out else None
    if args.format == "pdf":  # refused before any work
        _no_image_options(args, "add --format png (or svg) to write the redline's page images")
        target = redline_path(
            out, old, new, project.output_dir, into=str(args.out or "").endswith(("/", os.sep))
        )
    comparison, made = make_redline(old, new, context)
    if args.format != "pdf":
        named = replace(made, source=new.with_name(f"{new.stem}-redline{new.suffix}"))
        request = ImageRequest(args.format, args.pages, args.dpi or DEFAULT_DPI)
        target = images_of(named, out or project.output_dir, request).images[0]
    else:
        write_atomic(target, made.data)
    for warning in made.warnings:
        _say(f"warning: {warning}", sys.stderr)
    if args.json:
        print(json.dumps(comparison.as_dict(), ensure_ascii=False, indent=1))
        return EXIT_OK
    summary = comparison.summary()
    print(
        f"compared {printable(str(old))} -> {printable(str(new))}: {summary}; wrote {printable(str(target))}"
    )
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    from communique.pdf.inspect import format_report, inspect_pdf

    report = inspect_pdf(Path(args.pdf))
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from communique.pdf.verify import format_report, unreadable_report, verify

    reports = []
    for name in args.pdfs:
        trust = tuple(Path(root) for root in args.trust) or Project.discover(Path(name)).config.trust
        try:
            reports.append(verify(Path(name), rebuild=args.rebuild, trust=trust))
        except CommuniqueError as error:  # not a PDF, encrypted, unreadable: not valid, and the rest go on
            if args.verbose:
                traceback.print_exc()
            _say(f"error: {error}", sys.stderr)
            reports.append(unreadable_report(Path(name), error))
    if args.json:
        print(json.dumps([report.as_json() for report in reports], ensure_ascii=False, indent=2))
    else:
        print("\n".join(format_report(report) for report in reports))
    return EXIT_OK if all(report.passed for report in reports) else EXIT_FAILED


def _sign(args: argparse.Namespace) -> int:
    from communique.pdf.signing import SigningKey, sign_file

    for secret in ("passphrase", "pin"):
        if getattr(args, f"secret_{secret}") is not None:
            raise UsageError(
                f"a {secret} is never taken on the command line (it would stay in the shell's history and "
                "in process lists)",
                hint=f"put it in an environment variable and name that: --{secret}-env VAR",
            )
    key = SigningKey(
        Path(args.p12) if args.p12 else None,
        _secret(args.passphrase_env, "--passphrase-env", "passphrase of the PKCS#12 file", bool(args.p12)),
        Path(args.pkcs11_lib) if args.pkcs11_lib else None,
        args.token_label,
        args.key_label,
        args.cert_label,
        (_secret(args.pin_env, "--pin-env", "PIN of the token", bool(args.pkcs11_lib)) or b"").decode()
        or None,
    )
    if args.ltv and args.level not in (None, "B-LTA"):
        raise UsageError(
            f"--ltv makes a B-LTA signature, not the {args.level} that --level asks for",
            hint="give one of them: --ltv (the same as --level B-LTA), or --level alone",
        )
    level = "B-LTA" if args.ltv else args.level
    trust = tuple(Path(root) for root in args.trust)
    target, level = sign_file(
        Path(args.pdf),
        args.field,
        Path(args.out) if args.out else None,
        key,
        args.timestamp_url,
        level,
        trust,
    )
    print(
        f"signed the field '{printable(args.field)}' of {printable(args.pdf)} (PAdES {level}) "
        f"-> {printable(str(target))}"
    )
    return EXIT_OK


def _secret(variable: str | None, flag: str, what: str, needed: bool) -> bytes | None:
    """A secret from the environment variable named, or asked for on the terminal; never a flag. What is
    not a variable's name may be the secret itself, typed in its place: refused, never repeated."""
    import re

    if variable is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
        short = what.split(" of ")[0]
        raise UsageError(
            f"{flag} takes the name of an environment variable, not the {short} (what was given is not a "
            "variable's name, and is not shown)",
            hint=f"put the {what} in a variable and name that: {flag} VAR (letters, digits and _)",
        )
    if variable:
        value = os.environ.get(variable)
        if value is None:
            raise UsageError(  # not named: it may be the secret itself, typed in the name's place
                f"the environment variable {flag} names is not set",
                hint=f"set it to the {what}, or check the name given to {flag}",
            )
        return value.encode()
    if needed and sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{what}: ").encode()
    return None


def _extract(args: argparse.Namespace) -> int:
    from communique.pdf.archival import extract_sources, sealed_sources
    from communique.pdf.seal import UnreadablePdfError

    pdf = Path(args.pdf)
    data = read_input(pdf, "give an archival PDF")
    try:
        unconfirmed = sealed_sources(data, str(pdf))  # the sources as built (and signed), or refused
        extraction = extract_sources(data, str(pdf), Path(args.out))  # checks every name, then writes
    except UnreadablePdfError as error:  # the wrong file given, as `inspect` says it (exit 2)
        raise UsageError(error.message, hint=error.hint) from error
    for target, source in extraction.files:
        print(
            f"extracted {printable(str(target))} ({len(source.data)} bytes, {printable(source.media_type)})"
        )
    for warning in (*unconfirmed, *extraction.warnings):
        _say(f"warning: {warning}", sys.stderr)
    if extraction.command:
        print(f"rebuild with: {extraction.command}")
    return EXIT_OK


def _layouts(args: argparse.Namespace) -> int:
    from communique.layouts import available_layouts

    project = Project.at(Path(args.project)) if args.project else Project.discover(Path.cwd())
    for layout in available_layouts(project):
        origin = "" if layout.origin == "built-in" else f" [{layout.origin}: {layout.folder}]"
        print(f"{layout.name:<12} {layout.description()}{origin}")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from communique.project import CONFIG_SCHEMA
    from communique.schema import SCHEMA

    print(json.dumps(CONFIG_SCHEMA if args.config else SCHEMA, ensure_ascii=False, indent=2))
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from communique.scaffold import create_project

    for path, replaced in create_project(Path(args.folder), force=args.force):
        print(f"{'replaced' if replaced else 'wrote'} {path}")
    print(f"next: cd {args.folder} && communique build data/")
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse, except that arguments it does not know are named by their flags only: a value typed
    after a mistyped flag (`sign --pass SECRET`) must not be printed."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments: "):
            unknown = message.removeprefix("unrecognized arguments: ").split()
            flags = [word for word in unknown if word.startswith("-")]
            hidden = len(unknown) - len(flags)
            message = "unrecognized arguments: " + " ".join(flags)
            message += f" (and {hidden} value{'s' if hidden > 1 else ''}, not shown)" if hidden else ""
        super().error(message)


def _image_arguments(parser: argparse.ArgumentParser, stem: str) -> None:
    """--format, --pages and --dpi: page images instead of the PDF."""
    from communique.preview.images import DEFAULT_DPI, dpi_value, page_selection

    parser.add_argument(
        "--format",
        choices=["pdf", "png", "svg"],
        default="pdf",
        help=f"write page images {stem}-<page>.png|svg instead of the PDF (default: pdf)",
    )
    parser.add_argument(
        "--pages",
        type=argparse_type(page_selection),
        metavar="LIST",
        help="pages to draw: 1-2, 1,3 or 4- (default: all)",
    )
    parser.add_argument(
        "--dpi",
        type=argparse_type(dpi_value),
        metavar="N",
        help=f"resolution of PNG images (default: {DEFAULT_DPI})",
    )


def _parser() -> argparse.ArgumentParser:
    from communique.preview.images import dpi_value

    parser = _Parser(prog="communique", description="Publish official bilingual communiques as PDFs.")
    parser.add_argument("--verbose", action="store_true", help="show tracebacks for unexpected errors")
    # Also accepted after the command; SUPPRESS keeps a subcommand from resetting a --verbose given before.
    common = _Parser(add_help=False)
    common.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    project = _Parser(add_help=False)
    project.add_argument(
        "--project", metavar="DIR", help="the project folder (default: found from communique.toml upwards)"
    )
    parser.add_argument("--version", action="version", version=f"communique {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def command(
        name: str,
        run: Callable[[argparse.Namespace], int],
        summary: str,
        description: str,
        in_project: bool = False,
    ) -> Any:
        parents = [common, project] if in_project else [common]
        sub = commands.add_parser(name, parents=parents, help=summary, description=description)
        sub.set_defaults(run=run)
        return sub

    build = command(
        "build",
        _build,
        "build data files into PDFs",
        "Build each data file into <out>/<stem>.pdf. Dates in the PDF "
        "come from SOURCE_DATE_EPOCH when set, else from the communique's date.",
        in_project=True,
    )
    build.add_argument(
        "paths", nargs="+", metavar="PATH", help="data files, folders of .yaml files, or globs"
    )
    build.add_argument("--out", help="output folder (default: the project's, build/)")
    add_arguments(build)
    build.add_argument(
        "--jobs", type=int, metavar="N", help="worker processes for several documents (default: all CPUs)"
    )
    build.add_argument("--force", action="store_true", help="rebuild documents whose inputs are unchanged")
    build.add_argument("--fail-fast", action="store_true", help="stop at the first failed document")
    build.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="fail a document that takes longer to build (default: 120; 0: no limit)",
    )
    build.add_argument(
        "--memory-limit",
        type=int,
        metavar="MIB",
        help="address space each worker process may use, in MiB (default: 2048; 0: no limit)",
    )
    build.add_argument(
        "--shard", metavar="I/N", help="build only shard I of N (stable as documents are added)"
    )
    build.add_argument("--report", choices=["json"], help="print a machine-readable report on stdout")
    _image_arguments(build, "<stem>")
    build.add_argument("--quiet", action="store_true", help="print only warnings and failures")

    watch = command(
        "watch",
        _watch,
        "build again on every save",
        "Build the data files, then build again whenever a file a build read changes: the data, "
        "communique.toml, layouts, stylesheets, fonts, images. The PDF is replaced atomically; a failed "
        "build prints its error and keeps the last good PDF. Ctrl-C stops.",
        in_project=True,
    )
    watch.add_argument("paths", nargs="+", metavar="PATH", help="data files or folders of .yaml files")
    watch.add_argument("--out", help="output folder (default: the project's, build/)")
    add_arguments(watch)

    preview = command(
        "preview",
        _preview,
        "show the pages in the browser, live",
        "Serve a page on this machine only (127.0.0.1) showing the document's pages, rebuilt on every "
        "save like watch: changed pages reload by themselves, the scroll position stays, and a build "
        "error is shown over the last good pages. Nothing is written. Ctrl-C stops.",
        in_project=True,
    )
    preview.add_argument("paths", nargs=1, metavar="PATH", help="a data file")
    preview.add_argument(
        "--port", type=argparse_type(_port), default=0, help="port to listen on (default: a free one)"
    )
    preview.add_argument(
        "--dpi",
        type=argparse_type(dpi_value),
        default=120,
        metavar="N",
        help="resolution of the page images (default: 120)",
    )
    preview.add_argument(
        "--open",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="open the page in the browser (default: yes)",
    )
    add_arguments(preview)

    verify = command(
        "verify",
        _verify,
        "check the standards a PDF declares with every validator available",
        "Check PDFs against every standard they declare (PDF/A with page-validation and pikepdf.pdfa, "
        "PDF/UA-1 with page-validation, PDF/X-4 with communique's own checks) and qpdf --check; every "
        "finding is shown with its rule. Exit 1 if any file is not valid.",
    )
    verify.add_argument("pdfs", nargs="+", metavar="PDF", help="PDF files")
    verify.add_argument("--json", action="store_true", help="print JSON for machines")
    verify.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="ROOTS.pem",
        help="trust roots to check signers against (repeatable; default: [signing] trust of communique.toml)",
    )
    verify.add_argument(
        "--rebuild",
        action="store_true",
        help="also rebuild from the embedded sources in a temporary folder and compare the bytes (slower)",
    )

    sign = command(
        "sign",
        _sign,
        "sign an archival copy (PAdES), one party's field at a time",
        "Sign the signature field FIELD of an archival copy built with --signature-fields, as an "
        "incremental update that keeps earlier signatures valid; the first signature certifies the "
        "document. Secrets are read from environment variables (or asked for on a terminal), never "
        "taken as arguments.",
    )
    sign.allow_abbrev = False  # `--passphrase` must not be read as `--passphrase-env`
    for secret in ("--passphrase", "--pin"):  # refused without repeating the secret
        sign.add_argument(secret, dest=f"secret_{secret[2:]}", help=argparse.SUPPRESS)
    sign.add_argument("pdf", metavar="PDF", help="an archival copy built with --signature-fields")
    sign.add_argument("--field", required=True, help="the signature field: the signing party's key")
    sign.add_argument("--out", help="write the signed copy here (default: replace PDF)")
    sign.add_argument("--p12", metavar="FILE", help="the signer's PKCS#12 file (.p12/.pfx)")
    sign.add_argument("--passphrase-env", metavar="VAR", help="environment variable holding its passphrase")
    sign.add_argument("--pkcs11-lib", metavar="LIBRARY", help="PKCS#11 module of a smart card or HSM")
    sign.add_argument("--token-label", metavar="LABEL", help="the token's label")
    sign.add_argument("--key-label", metavar="LABEL", help="the signing key's label on the token")
    sign.add_argument("--cert-label", metavar="LABEL", help="the certificate's label (default: the key's)")
    sign.add_argument("--pin-env", metavar="VAR", help="environment variable holding the token's PIN")
    sign.add_argument(
        "--timestamp-url", metavar="URL", help="RFC 3161 timestamp authority (default: [signing])"
    )
    sign.add_argument(
        "--level",
        choices=["B-B", "B-T", "B-LT", "B-LTA"],
        help="PAdES level (default: B-T with a timestamp authority, else B-B)",
    )
    sign.add_argument(
        "--ltv", action="store_true", help="long-term validation data and a document timestamp: B-LTA"
    )
    sign.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="ROOTS.pem",
        help="trust roots for --ltv's validation data",
    )

    extract = command(
        "extract",
        _extract,
        "write out the source files an archival PDF carries",
        "Write the data file and images embedded in an archival PDF into a folder, "
        "and print the command that rebuilds the same PDF from them.",
    )
    extract.add_argument("pdf", help="an archival PDF (built with --archival)")
    extract.add_argument("--out", default=".", help="folder to write the files into (default: .)")

    merge = command(
        "merge",
        _merge,
        "combine the manifests of sharded builds",
        "Combine the manifest.json of each shard of a sharded build into one manifest.",
    )
    merge.add_argument("manifests", nargs="+", metavar="MANIFEST", help="manifest.json files (or globs)")
    merge.add_argument("--out", required=True, help="the combined manifest to write")

    validate = command(
        "validate",
        _validate,
        "check data files without building",
        "Check data files: format, languages, layout and font coverage.",
        in_project=True,
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", help="data files, or folders of .yaml files")

    check = command(
        "check",
        _check,
        "check that the language versions say the same thing",
        "Look for what translators miss: numbers, amounts, dates, times, article numbers, web and e-mail "
        "addresses and signatories' names in one version and not another; a version in the wrong "
        "script; a block left untranslated; alignment groups that do not line up. Exit 0 when clean, 1 "
        "with findings, 2 for a data error. A real difference is accepted in the data (accept:).",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="data files, or folders of .yaml files")
    check.add_argument("--report", choices=["json"], help="print the findings as JSON on stdout")

    compare = command(
        "compare",
        _compare,
        "a redline between two drafts of a data file",
        "Compare two drafts of a data file and write a redline PDF: the new draft in its layout, as a "
        "draft copy, each version's inserted text underlined and deleted text struck through (words; "
        "BudouX phrases in Japanese and Chinese; graphemes in Thai), moved blocks double-underlined, "
        "after a summary page. Dates come from SOURCE_DATE_EPOCH when set, else from the new draft.",
        in_project=True,
    )
    compare.add_argument("old", metavar="OLD", help="the earlier draft (a data file)")
    compare.add_argument("new", metavar="NEW", help="the later draft (a data file)")
    compare.add_argument(
        "--out",
        metavar="PDF",
        help="the redline's path, or a folder to write <NEW's stem>-redline.pdf into (default: the "
        "project's build/); with --format, the folder of its page images",
    )
    compare.add_argument(
        "--json", action="store_true", help="print every change, located in both files, as JSON"
    )
    compare.add_argument("--layout", metavar="NAME", help="layout to use instead of the new draft's")
    compare.add_argument("--paper", metavar="SIZE", type=argparse_type(paper_size), help="paper size")
    compare.add_argument("--strict", action="store_true", help="treat every rendering warning as an error")
    _image_arguments(compare, "<NEW's stem>-redline")

    inspect = command(
        "inspect",
        _inspect,
        "show the structure of a built PDF",
        "Pages, metadata, bookmarks, fonts and page labels of a PDF.",
    )
    inspect.add_argument("pdf", help="a PDF file")
    inspect.add_argument("--json", action="store_true", help="print JSON for machines")

    command(
        "layouts",
        _layouts,
        "list the available layouts",
        "List the built-in layouts and the project's own, with their descriptions.",
        in_project=True,
    )
    schema = command(
        "schema", _schema, "print the data format as JSON Schema", "Print the JSON Schema of data files."
    )
    schema.add_argument("--config", action="store_true", help="the schema of communique.toml instead")
    init = command(
        "init",
        _init,
        "start a project: config, example data, own layout, CI examples",
        "Create a communique project in FOLDER: a commented communique.toml, data/example.yaml, "
        "layouts/letterhead/ (extends sequential, with an emblem), .gitignore and CI examples.",
    )
    init.add_argument("folder", metavar="FOLDER", help="the folder to create (must be empty)")
    init.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    return parser
