"""What `newsbeam --help` and `newsbeam COMMAND --help` print, built from the FLAGS table, so that
the help lists exactly the flags a command takes, spelled with hyphens as the README writes them."""
from __future__ import annotations

import argparse
import textwrap

from pipelines.options import FLAGS, REQUIRED, add_flags

COMMANDS = {
    "run": "ingest files, folders and globs once (batch) and write articles as partitioned Parquet",
    "stream": "poll live feeds, fetch their articles and write them as they come",
    "show": "print the articles an output folder holds, as a table",
    "report": "write one self-contained HTML page about an output folder",
    "state": "show what an output folder's _state/ holds; --rebuild computes its indexes again from the rows",
}
EXIT_STATUS = ("exit status: 0 the run finished (dead letters included); 1 it failed while running (one line "
               "on stderr names the log file that holds the traceback); 2 it could not start (one line names "
               "the flag or path)")
BEAM = ("Every Beam pipeline option passes through (--runner, --direct_num_workers, --project, --region, "
        "--temp_location, ...). Without --runner the job runs in this process on Beam's FnApiRunner and needs "
        "no network; --direct_num_workers=2 --direct_running_mode=multi_processing spreads it over two "
        "processes. An option neither newsbeam nor Beam knows is an error.")


def input_kinds() -> str:
    from transforms.ingest.read import INPUT_KINDS
    width = max(len(suffixes) for suffixes, _ in INPUT_KINDS)
    return "\n".join(f"  {suffixes.ljust(width)}  {what}" for suffixes, what in INPUT_KINDS)


DESCRIPTIONS = {
    "run": lambda: (f"newsbeam run: {COMMANDS['run']}.\n\ninput kinds (by suffix, then by content):\n"
                    f"{input_kinds()}\n\nA file named manifest.jsonl inside an input folder gives per-file "
                    "metadata for that folder (url, outlet, published, title, language) and is not an input."),
    "stream": lambda: (f"newsbeam stream: {COMMANDS['stream']}.\n\nThe feeds file is one feed URL a line, "
                       "or YAML / OPML with per-feed settings (outlet, poll_interval, fetch_pages). Per-feed "
                       "state under OUTPUT/_state/ lets a later run continue where this one stopped. Without "
                       "--duration the local runner polls until interrupted and writes nothing before the "
                       "source ends: use --duration locally, a streaming runner (Dataflow, Flink) otherwise."),
}


SECTIONS = ("required", "options", "live feeds", "archives and filters", "fetching pages", "tagging", "extraction",
            "copies and stories")
WIDTH = 100


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        super().__init__(prog, max_help_position=34, width=WIDTH)


def _wrapped(text: str) -> str:
    """Paragraphs wrapped to the help's width; indented lines (tables) kept as they are."""
    return "\n".join(line if line.startswith("  ") else textwrap.fill(line, WIDTH) for line in text.split("\n"))


def command_parser(command: str) -> argparse.ArgumentParser:
    """A parser for display only: `newsbeam run|stream` are parsed as Beam options (both spellings)."""
    required = REQUIRED[command]
    usage = " ".join(f"--{name} {next(f.metavar for f in FLAGS if f.name == name)}"
                     + (" [PATH ...]" if name == "input" else "") for name in required)
    parser = argparse.ArgumentParser(
        prog=f"newsbeam {command}", usage=f"newsbeam {command} {usage} [options] [Beam options]",
        description=_wrapped(DESCRIPTIONS[command]()), epilog=_wrapped(f"{BEAM}\n\n{EXIT_STATUS}"),
        formatter_class=_Formatter, add_help=False)

    def section(flag):
        return "required" if flag.name in required else flag.help_section

    flags = [f for f in FLAGS if f.taken_by(command)]
    ordered = sorted(flags, key=lambda f: (SECTIONS.index(section(f)),
                                           required.index(f.name) if f.name in required else 0))
    add_flags(parser, ordered, spellings=lambda flag: flag.spellings[-1:], group_of=section)
    parser.add_argument_group("help").add_argument("-h", "--help", action="store_true", help="show this help")
    return parser


def command_help(command: str) -> str:
    return command_parser(command).format_help()


def overview(version: str) -> str:
    width = max(map(len, COMMANDS))
    lines = [f"newsbeam {version}: news ingestion with Apache Beam", "",
             "usage: newsbeam COMMAND [flags]     newsbeam COMMAND --help     newsbeam --version", "", "commands:"]
    lines += [f"  {name.ljust(width)}  {what}" for name, what in COMMANDS.items()]
    lines += ["", "examples:",
              "  newsbeam run --input seeds --output out --targets docs/targets.yaml",
              "  newsbeam stream --feeds feeds.yaml --output out --duration 600",
              "  newsbeam show --output out", "", textwrap.fill(EXIT_STATUS, WIDTH)]
    return "\n".join(lines)
