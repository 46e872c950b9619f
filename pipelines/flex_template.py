"""Entry point of the Dataflow Flex Template (FLEX_TEMPLATE_PYTHON_PY_FILE in deploy/dataflow/Dockerfile).

The template launcher runs this file with every template parameter as `--name=value`, plus the
Dataflow options it sets itself (`--project`, `--region`, `--temp_location`, `--template_location`,
...). One template serves both commands: the `command` parameter picks `run` (default) or `stream`;
`input` (and `sitemap`) may hold several paths, globs (URLs) separated by commas, since a template parameter is one
string. Everything else goes to `newsbeam <command>` unchanged. The launcher passes
`--template_location`, so the job is built and handed back to Dataflow, never waited for here.
"""
from __future__ import annotations

import sys

COMMANDS = ("run", "stream")
LIST_PARAMETERS = ("input", "sitemap")  # parameters whose value is a comma-separated list


def newsbeam_arguments(argv: list[str]) -> list[str]:
    """Template-launcher arguments → the `newsbeam` command line (command first)."""
    command, flags = "run", []
    for argument in argv:
        name, has_value, value = argument.partition("=")
        if name == "--command" and has_value:
            command = value.strip()
            continue
        if has_value and name.lstrip("-") in LIST_PARAMETERS:
            flags.append(name)
            flags.extend(part.strip() for part in value.split(",") if part.strip())
            continue
        flags.append(argument)
    if command not in COMMANDS:
        raise SystemExit(f"newsbeam flex template: command must be one of {', '.join(COMMANDS)}, not {command!r}")
    return [command, *flags]


def main(argv: list[str] | None = None) -> int:
    from pipelines.cli import main as newsbeam
    return newsbeam(newsbeam_arguments(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
