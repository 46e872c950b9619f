"""The `newsbeam` command: parse and validate, build the pipeline, run it, print the summary.

    newsbeam run    --input PATH [PATH ...] --output DIR [options] [Beam options]
    newsbeam stream --feeds FILE --output DIR [options] [Beam options]
    newsbeam show   --output DIR [--limit N]
    newsbeam report --output DIR [--html FILE] [--targets FILE]
    newsbeam state  --output DIR [--rebuild] [Beam options]
    newsbeam --version | --help,  newsbeam COMMAND --help

Exit status: 0 when the run finished (also with dead letters); 2 with one line on stderr naming the flag
or path when it could not start (checks.py); 1 with one line naming the log file that holds the
traceback when it failed while running.
"""
from __future__ import annotations

import datetime as dt
import logging
import sys

from pipelines.checks import Parser, RunFailed, UsageError

# Libraries that log every page or bundle: their records go to the run's log file, not the terminal.
NOISY = ("apache_beam", "trafilatura", "htmldate", "courlan", "urllib3", "filelock", "tldextract", "spacy")
FAILURE = "newsbeam.failure"  # a failed run's traceback: in the log file only


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    from schemas.article import SCHEMA_VERSION
    try:
        own = installed("newsbeam")
    except PackageNotFoundError:  # run from a checkout that is not installed
        own = "(not installed)"
    return f"{own} (schema {SCHEMA_VERSION}, apache-beam {installed('apache-beam')}, Python {sys.version.split()[0]})"


def _terminal_logging():
    """Warnings of newsbeam's own code on stderr; the libraries' chatter only in a run's log file."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.addFilter(lambda record: not record.name.startswith((*NOISY, FAILURE)))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def _log_to(path: str) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)  # no file for a run that logs nothing
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler


def run_and_summarise(pipeline, options, settings, run_id, summarise, describe, progress=None) -> int:
    """Run the pipeline to the end, then save `summarise(result)` under OUTPUT/_runs/ and print it.
    A job only built or launched for a remote runner (Dataflow --dry_run=True, a Flex Template launch)
    is described instead: there is nothing here to wait for or count. A failure on the way is logged
    with its traceback to the run's log file and raised as RunFailed. A local run's summary has the
    peak resident memory of all its processes (pipelines/memory.py)."""
    import contextlib
    import traceback

    from pipelines.checks import log_path
    from pipelines.deploy import describe_job_not_run, job_not_run_here
    from pipelines.memory import PeakMemory
    from pipelines.summary import ensure_dead_letter_folder, save_summary

    log = log_path(settings.output, run_id)
    handler = _log_to(log)
    # once a second: the walk of /proc holds the worker's GIL (bench/pipeline.py samples every 0.2 s)
    memory = None if settings.remote_runner else PeakMemory(interval=1.0)
    if progress is not None:
        progress.memory = memory
    try:
        with memory or contextlib.nullcontext(), progress or contextlib.nullcontext():
            result = pipeline.run()
            if job_not_run_here(result, options):
                print(describe_job_not_run(result, options))
                return 0
            result.wait_until_finish()
        summary = summarise(result)
        if memory is not None:
            summary["peak_memory_mb"] = memory.peak_mb
        summary["summary_path"] = save_summary(summary, settings.output)
        ensure_dead_letter_folder(settings.output)
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - one line on the terminal, the whole story in the log
        logging.getLogger(FAILURE).error("run %s failed:\n%s", run_id, traceback.format_exc())
        first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
        raise RunFailed(f"failed while running: {type(error).__name__}: {first[:300]} (traceback in {log})") from None
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    print(describe(summary))
    print(f"  summary: {summary['summary_path']}")
    return 0


def run_command(flags: list[str]) -> int:
    from pipelines.checks import check_run, make_pipeline
    from pipelines.progress import ProgressDisplay
    from pipelines.summary import build_summary, counters, format_summary, new_run_id
    from transforms.ingest.read import count_inputs
    from transforms.processes import start_early
    from transforms.spill import Spill

    options, settings, files = check_run(flags)
    if settings.in_process_worker:   # its children fork from this process's forkserver
        start_early()
    from pipelines.batch import build_batch   # its imports (1-3 s) while the forkserver starts
    run_id = settings.run_id or new_run_id()
    started = dt.datetime.now(dt.timezone.utc)
    pipeline = make_pipeline(options)
    total = None if settings.remote_runner else lambda: sum(count_inputs(f, settings.max_document_bytes) for f in files)
    with run_spill_folder(settings) as folder:
        build_batch(pipeline, settings, files, Spill(folder))
        return run_and_summarise(
            pipeline, options, settings, run_id,
            lambda result: build_summary(counters(result), run_id=run_id, started=started,
                                         finished=dt.datetime.now(dt.timezone.utc), output=settings.output),
            format_summary, progress=ProgressDisplay(settings.progress, settings.progress_interval, count=total))


def run_spill_folder(settings):
    """This run's spill folder (transforms/spill.py), removed when the run ends: a local run keeps
    what waits at its shuffles there. None (everything in the shuffles) on a remote runner, whose
    shuffles spill to disk themselves, or with `--spill_dir none`."""
    import contextlib
    import os

    from transforms.spill import spill_folder
    if settings.remote_runner or (settings.spill_dir or "").lower() == "none":   # no flag: None, the default
        return contextlib.nullcontext(None)
    parent = settings.spill_dir
    if parent and not (os.path.isdir(parent) and os.access(parent, os.W_OK | os.X_OK)):
        raise UsageError(f"--spill_dir {parent}: not a folder this run can write in")
    return spill_folder(parent)


def stream_command(flags: list[str]) -> int:
    from apache_beam.options.pipeline_options import StandardOptions

    from pipelines.checks import check_stream, make_pipeline
    from pipelines.streaming import StreamSession, build_stream
    from pipelines.summary import format_stream_summary, new_run_id, stream_counters, stream_summary

    options, settings, feeds = check_stream(flags)
    run_id = settings.run_id or new_run_id()
    if settings.remote_runner and not settings.duration:
        options.view_as(StandardOptions).streaming = True  # Dataflow, Flink: the same graph, unbounded
    elif not settings.duration:
        print("newsbeam stream: no --duration: polling until interrupted; the local runner writes "
              "nothing before the source ends", file=sys.stderr)
    started = dt.datetime.now(dt.timezone.utc)
    pipeline = make_pipeline(options)
    try:
        session = StreamSession(settings, run_id).__enter__()   # lock; what killed runs left is taken again
    except RuntimeError as error:
        raise UsageError(str(error)) from None
    try:
        build_stream(pipeline, settings, feeds, run_tag=run_id, start=started.timestamp(), session=session)
        return run_and_summarise(
            pipeline, options, settings, run_id,
            lambda result: stream_summary(stream_counters(result), feeds, run_id=run_id, started=started,
                                          finished=dt.datetime.now(dt.timezone.utc), output=settings.output,
                                          carried=session.finish().carried),
            format_stream_summary)
    finally:
        session.__exit__(None, None, None)


def _small_parser(command: str, description: str) -> Parser:
    parser = Parser(prog=f"newsbeam {command}", description=description, allow_abbrev=False)
    parser.add_argument("--output", required=True, metavar="DIR", help="the folder a run wrote to")
    return parser


def show_command(flags: list[str]) -> int:
    from pipelines.show import ShowError, show
    parser = _small_parser("show", "Print the articles an output folder holds (outlet, date, language, title, "
                                   "words), read back with DuckDB, and what else the folder holds.")
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="rows to print (default 50)")
    args = parser.parse_args(flags)
    try:
        print(show(args.output, args.limit))
    except ShowError as error:
        raise UsageError(str(error)) from None
    return 0


def report_command(flags: list[str]) -> int:
    from pipelines.report import ReportError, write_report
    parser = _small_parser("report", "Write one self-contained HTML page about an output folder: articles per "
                                     "outlet and day, syndication, stories, stances, entities, dead letters. "
                                     "It needs no network to open.")
    parser.add_argument("--html", default=None, metavar="FILE", help="the page to write (default OUTPUT/report.html)")
    parser.add_argument("--targets", default=None, metavar="FILE",
                        help="the run's --targets file, to show each claim's text")
    args = parser.parse_args(flags)
    try:
        path = write_report(args.output, args.html, args.targets)
    except ReportError as error:
        raise UsageError(str(error)) from None
    print(f"report: {path}")
    return 0


def state_command(flags: list[str]) -> int:
    from pipelines.state import state_main
    return state_main(_small_parser("state", "What OUTPUT/_state/ holds: the id, signature and story indexes "
                                             "later runs read; --rebuild computes them again from the rows."), flags)


COMMANDS = {"run": run_command, "stream": stream_command, "show": show_command, "report": report_command,
            "state": state_command}


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:  # `newsbeam run --help | head`: the reader left; say nothing more
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str]) -> int:
    from pipelines.help import command_help, overview
    if argv[:1] in (["-h"], ["--help"], ["help"]):
        print(overview(version()))
        return 0
    if argv[:1] == ["--version"]:
        print(f"newsbeam {version()}")
        return 0
    if not argv:
        print(f"newsbeam: a command is needed: {', '.join(COMMANDS)} (newsbeam --help)", file=sys.stderr)
        return 2
    command, flags = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"newsbeam: unknown command {command!r} (one of: {', '.join(COMMANDS)}; newsbeam --help)",
              file=sys.stderr)
        return 2
    if command in ("run", "stream") and ("-h" in flags or "--help" in flags):
        print(command_help(command))
        return 0
    _terminal_logging()
    try:
        return COMMANDS[command](flags)
    except UsageError as error:
        print(f"newsbeam {command}: {error}", file=sys.stderr)
        return 2
    except RunFailed as error:
        print(f"newsbeam {command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"newsbeam {command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
