"""The `newsbeam` command: parse and validate, build the pipeline, run it, print the summary.

    newsbeam run  --input PATH [PATH ...] --output DIR [--manifest F] [--targets F] [--config F] [BEAM OPTIONS]
    newsbeam stream --feeds FILE --output DIR [--targets F] [--poll-interval S] [--duration S]
                  [--allow-hosts H,..] [--per-host-rate R] [--fetch-timeout S] [BEAM OPTIONS]
    newsbeam show --output DIR [--limit N]
    newsbeam report --output DIR [--html FILE] [--targets FILE]
    newsbeam state --output DIR [--rebuild] [BEAM OPTIONS]

A run that cannot start (bad option, unreadable config, missing input) exits 2 with one line on
stderr; a run that finished exits 0 even when some inputs became dead letters.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys

USAGE = __doc__.split("\n\n")[1]


class UsageError(Exception):
    """Printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print a multi-line usage and exit
        raise UsageError(message)


def _quiet_logging():
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("apache_beam", "trafilatura", "htmldate", "urllib3", "filelock", "tldextract"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _run_parser() -> argparse.ArgumentParser:
    from pipelines.options import NewsbeamOptions
    parser = _Parser(prog="newsbeam run", add_help=True, allow_abbrev=False)
    NewsbeamOptions._add_argparse_args(parser)
    return parser


def parse_common_flags(flags: list[str], command: str, required: str):
    """The checks `run` and `stream` share: known options only, `required` and --output given,
    config, NER models and targets readable. Returns the parsed namespace or raises UsageError."""
    from pipelines.options import ConfigError, load_config, unknown_beam_flags

    known, rest = _run_parser().parse_known_args(flags)
    unknown = unknown_beam_flags(rest)
    if unknown:
        raise UsageError(f"unknown option {unknown[0]} (see `newsbeam {command} --help`)")
    for name in (required, "output"):
        if not getattr(known, name):
            raise UsageError(f"--{name} is required")
    try:
        if known.config:
            load_config(known.config)
        check_tagging(known)  # a missing NER pipeline or a malformed targets file stops the run here
    except (ConfigError, ValueError) as error:
        raise UsageError(str(error)) from None
    return known


def check_tagging(known) -> None:
    """ValueError for a --ner_models pipeline that is not installed or a --targets file the stance
    model cannot read."""
    from pipelines.options import setting
    from transforms.analysis.entities import ner_models
    from transforms.analysis.stance import load_targets
    from transforms.analysis.tag import check_models
    check_models(ner_models(setting(known, "ner_models")))
    targets = setting(known, "targets")
    if targets:
        load_targets(targets)


def parse_run_flags(flags: list[str]):
    """(NewsbeamOptions, Settings, resolved input files) or UsageError."""
    from pipelines.options import NewsbeamOptions, Settings
    from transforms.ingest.inputs import InputError, resolve_inputs

    known = parse_common_flags(flags, "run", "input")
    try:
        files = resolve_inputs(known.input, known.manifest)
    except InputError as error:
        raise UsageError(str(error)) from None
    options = NewsbeamOptions(flags)
    return options, Settings.resolve(options), files


def make_pipeline(options):
    """A Pipeline on the runner the options name; without --runner, Beam's in-process FnApiRunner,
    which needs no network (the stock DirectRunner first tries to download Prism)."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import StandardOptions

    if options.view_as(StandardOptions).runner:
        return beam.Pipeline(options=options)
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    return beam.Pipeline(runner=FnApiRunner(), options=options)


def run_command(flags: list[str]) -> int:
    from pipelines.batch import build_batch
    from pipelines.progress import ProgressDisplay
    from pipelines.summary import build_summary, counters, format_summary, new_run_id

    options, settings, files = parse_run_flags(flags)
    from pipelines.deploy import local_path_problem
    problem = local_path_problem(options, {"input": list(settings.input), "output": [settings.output]})
    if problem:
        raise UsageError(problem)
    run_id = settings.run_id or new_run_id()
    started = dt.datetime.now(dt.timezone.utc)
    pipeline = make_pipeline(options)
    build_batch(pipeline, settings, files)
    return run_and_summarise(
        pipeline, options,
        lambda result: build_summary(counters(result), run_id=run_id, started=started,
                                     finished=dt.datetime.now(dt.timezone.utc), output=settings.output),
        format_summary, progress=ProgressDisplay(settings.progress, settings.progress_interval))


def run_and_summarise(pipeline, options, summarise, describe, progress=None) -> int:
    """Run the pipeline to the end, then save `summarise(result)` under OUTPUT/_runs/ and print it.
    A job only built or launched for a remote runner (Dataflow --dry_run=True, a Flex Template
    launch) is described instead: there is nothing here to wait for or count."""
    import contextlib

    from pipelines.deploy import describe_job_not_run, job_not_run_here
    from pipelines.summary import save_summary

    with progress or contextlib.nullcontext():
        result = pipeline.run()
        if job_not_run_here(result, options):
            print(describe_job_not_run(result, options))
            return 0
        result.wait_until_finish()
    summary = summarise(result)
    summary["summary_path"] = save_summary(summary, summary["output"])
    print(describe(summary))
    print(f"  summary: {summary['summary_path']}")
    return 0


def show_command(flags: list[str]) -> int:
    from pipelines.show import show
    parser = _Parser(prog="newsbeam show", allow_abbrev=False)
    parser.add_argument("--output", required=True)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(flags)
    print(show(args.output, args.limit))
    return 0


def parse_stream_flags(flags: list[str]):
    """(NewsbeamOptions, Settings, feeds) or UsageError."""
    from pipelines.options import NewsbeamOptions, Settings
    from transforms.ingest.feedlist import FeedsError, load_feeds

    known = parse_common_flags(flags, "stream", "feeds")
    for name in ("poll_interval", "duration", "per_host_rate", "fetch_timeout"):
        if getattr(known, name) is not None and getattr(known, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    try:
        feeds = load_feeds(known.feeds)
    except FeedsError as error:
        raise UsageError(str(error)) from None
    options = NewsbeamOptions(flags)
    return options, Settings.resolve(options), feeds


def stream_command(flags: list[str]) -> int:
    from apache_beam.options.pipeline_options import StandardOptions

    from pipelines.streaming import build_stream
    from pipelines.summary import format_stream_summary, new_run_id, stream_counters, stream_summary

    options, settings, feeds = parse_stream_flags(flags)
    run_id = settings.run_id or new_run_id()
    standard = options.view_as(StandardOptions)
    if settings.remote_runner and not settings.duration:
        standard.streaming = True  # Dataflow, Flink: the same graph, unbounded
    elif not settings.duration:
        print("newsbeam stream: no --duration: polling until interrupted; the local runner writes "
              "nothing before the source ends", file=sys.stderr)
    started = dt.datetime.now(dt.timezone.utc)
    pipeline = make_pipeline(options)
    build_stream(pipeline, settings, feeds, run_tag=run_id, start=started.timestamp())
    return run_and_summarise(
        pipeline, options,
        lambda result: stream_summary(stream_counters(result), feeds, run_id=run_id, started=started,
                                      finished=dt.datetime.now(dt.timezone.utc), output=settings.output),
        format_stream_summary)


def report_command(flags: list[str]) -> int:
    from pipelines.report import ReportError, write_report
    parser = _Parser(prog="newsbeam report", allow_abbrev=False)
    parser.add_argument("--output", required=True, help="the folder a run wrote to")
    parser.add_argument("--html", default=None, help="the page to write (default OUTPUT/report.html)")
    parser.add_argument("--targets", default=None, help="the run's --targets file, to show each claim's text")
    args = parser.parse_args(flags)
    try:
        path = write_report(args.output, args.html, args.targets)
    except ReportError as error:
        raise UsageError(str(error)) from None
    print(f"report: {path}")
    return 0


def state_command(flags: list[str]) -> int:
    from pipelines.state import state_main
    return state_main(flags, _Parser, make_pipeline)


COMMANDS = {"run": run_command, "stream": stream_command, "show": show_command, "report": report_command,
            "state": state_command}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, flags = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"newsbeam: unknown command {command!r} (one of: {', '.join(COMMANDS)})", file=sys.stderr)
        return 2
    _quiet_logging()
    try:
        return COMMANDS[command](flags)
    except UsageError as error:
        print(f"newsbeam {command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"newsbeam {command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
