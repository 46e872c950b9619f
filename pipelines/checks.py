"""Everything `newsbeam run` and `newsbeam stream` check before a pipeline runs.

Each problem is a UsageError: one line naming the flag or path, exit status 2, never a traceback or
Beam's page-long usage text. What can only fail once the pipeline runs is RunFailed (exit status 1).
"""
from __future__ import annotations

import argparse
import os
import tempfile

from pipelines.options import FLAGS, REQUIRED, ConfigError, NewsbeamOptions, Settings, load_config, setting


class UsageError(Exception):
    """The command could not start: printed as one line, exit status 2."""


class RunFailed(Exception):
    """The pipeline failed while running: one line and the log path, exit status 1."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print a multi-line usage and exit
        raise UsageError(message)


def option_parser() -> Parser:
    """newsbeam's own flags in both spellings, as Beam parses them (for --help see pipelines/help.py)."""
    parser = Parser(prog="newsbeam", add_help=False, allow_abbrev=False)
    NewsbeamOptions._add_argparse_args(parser)
    return parser


def _given(flags: list[str], flag) -> bool:
    return any(token.split("=", 1)[0] in flag.spellings for token in flags)


def parse_flags(flags: list[str], command: str):
    """The checks `run` and `stream` share: known options only, each given to the command that takes
    it, the required ones present, config, NER models and targets readable."""
    from pipelines.options import unknown_beam_flags

    known, rest = option_parser().parse_known_args(flags)
    try:
        unknown = unknown_beam_flags(rest)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    if unknown:
        raise UsageError(f"unknown option {unknown[0]} (newsbeam {command} --help lists the options)")
    for flag in FLAGS:
        if not flag.taken_by(command) and _given(flags, flag):
            other = "stream" if command == "run" else "run"
            raise UsageError(f"--{flag.name.replace('_', '-')} is an option of `newsbeam {other}`, "
                             f"not of `newsbeam {command}`")
    for name in REQUIRED[command]:
        if not getattr(known, name) and not (name == "input" and known.sitemap):
            alternative = " (or --sitemap URL)" if name == "input" else ""
            raise UsageError(f"--{name} is required{alternative} (newsbeam {command} --help)")
    try:
        if known.config:
            load_config(known.config)
        check_tagging(known)  # a missing NER pipeline or a malformed targets file stops the run here
        check_filters(known)
    except (ConfigError, ValueError) as error:
        raise UsageError(str(error)) from None
    return known


def check_tagging(known) -> None:
    """ValueError for a --ner-models pipeline that is not installed or a --targets file the stance
    model cannot read."""
    from transforms.analysis.entities import ner_models
    from transforms.analysis.stance import load_targets
    from transforms.analysis.tag import check_models
    check_models(ner_models(setting(known, "ner_models")))
    targets = setting(known, "targets")
    if targets:
        load_targets(targets)


def check_filters(known) -> None:
    """ValueError for an --outlets / --since / --until / --languages value that cannot be used."""
    from transforms.filters import Filters
    Filters.parse(*(setting(known, name) for name in ("outlets", "since", "until", "languages")))


def check_run(flags: list[str]):
    """(NewsbeamOptions, Settings, input files) of a `newsbeam run` that can start, or UsageError."""
    from transforms.ingest.inputs import InputError, resolve_inputs

    known = parse_flags(flags, "run")
    try:
        files = resolve_inputs(known.input, known.manifest) if known.input else []
    except InputError as error:
        raise UsageError(str(error)) from None
    options, settings = _resolved(flags, {"input": list(known.input or ()), "output": [known.output]})
    return options, settings, files


def check_stream(flags: list[str]):
    """(NewsbeamOptions, Settings, feeds) of a `newsbeam stream` that can start, or UsageError."""
    from transforms.ingest.feedlist import FeedsError, load_feeds

    known = parse_flags(flags, "stream")
    for name in ("poll_interval", "duration", "per_host_rate", "fetch_timeout"):
        if getattr(known, name) is not None and getattr(known, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    try:
        feeds = load_feeds(known.feeds)
    except FeedsError as error:
        raise UsageError(str(error)) from None
    options, settings = _resolved(flags, {"feeds": [known.feeds], "output": [known.output]})
    return options, settings, feeds


def _resolved(flags: list[str], paths: dict[str, list[str]]):
    from pipelines.deploy import local_path_problem

    options = NewsbeamOptions(flags)
    settings = Settings.resolve(options)
    problem = local_path_problem(options, paths) or output_problem(settings.output)
    if problem:
        raise UsageError(problem)
    return options, settings


def output_problem(output: str) -> str | None:
    """Why a local --output cannot be written: it, or a folder above it, is a file, or not writable.
    (An object store has no folders to be wrong about.)"""
    if "://" in output:
        return None
    path = os.path.abspath(output)
    if os.path.exists(path) and not os.path.isdir(path):
        return f"--output {output} is a file, not a folder"
    parent = path
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        return f"--output {output}: {parent} is a file, not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"--output {output}: {parent} is not writable"
    return None


def make_pipeline(options):
    """A Pipeline on the runner the options name; without --runner, Beam's in-process FnApiRunner,
    which needs no network (the stock DirectRunner first tries to download Prism). An unknown runner
    or options the runner refuses (a Dataflow project id, a region) are a UsageError."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import StandardOptions

    runner = options.view_as(StandardOptions).runner
    if not runner:
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner
        return beam.Pipeline(runner=FnApiRunner(), options=options)
    try:
        return beam.Pipeline(options=options)
    except ValueError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        if lines and lines[0].startswith("Unexpected pipeline runner"):
            raise UsageError(f"--runner {runner}: not a Beam runner (e.g. DataflowRunner, FlinkRunner, "
                             "SparkRunner, PortableRunner; none for this process)") from None
        raise UsageError("the Beam options are not valid for --runner " + runner + ": "
                         + "; ".join(lines[1:] if lines[0].startswith("Pipeline has validations errors") else lines)
                         ) from None
    except Exception as error:  # noqa: BLE001 - e.g. Beam looking for a default bucket when both locations are bad
        first = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
        raise UsageError(f"--runner {runner}: the options could not be checked: {first[:300]}") from None


def log_path(output: str, run_id: str) -> str:
    """Where a run's log (library warnings, a failure's traceback) goes: OUTPUT/_logs/<run id>.log for a
    local output, the temporary folder otherwise."""
    if "://" not in output:
        folder = os.path.join(output, "_logs")
        try:
            os.makedirs(folder, exist_ok=True)
            return os.path.abspath(os.path.join(folder, f"{run_id}.log"))
        except OSError:
            pass
    return os.path.join(tempfile.gettempdir(), f"newsbeam-{run_id}.log")
