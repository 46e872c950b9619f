"""Every flag of newsbeam in one table, the Beam options class that carries them, and `Settings`: the
flags resolved once (command line, else `--config FILE`, else the default) into typed values that the
graph builders hand to the stages. Stages never read options themselves.

They are Beam pipeline options, so they travel with the job to remote workers and into templates.
`--config FILE` (YAML or JSON) supplies defaults for any of them; the command line wins.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, make_dataclass

from apache_beam.options.pipeline_options import PipelineOptions

RUN, STREAM = "newsbeam", "newsbeam stream"   # argument groups: every command's flags, live feeds' flags
REQUIRED = {"run": ("input", "output"), "stream": ("feeds", "output")}   # run: --sitemap may stand for --input
ARCHIVES, FETCHING = "archives and filters", "fetching pages"


@dataclass(frozen=True)
class Flag:
    name: str                 # the option's dest; the command line spells it with hyphens
    help: str
    type: type = str
    default: object = None    # None: no default (or one that depends on other flags)
    group: str = RUN
    nargs: str | None = None
    choices: tuple | None = None
    metavar: str | None = None
    section: str | None = None  # where `newsbeam COMMAND --help` lists it (default: by group)
    commands: tuple = ()        # the commands that take it; () for run and stream alike

    @property
    def help_section(self) -> str:
        return self.section or ("live feeds" if self.group == STREAM else "options")

    def taken_by(self, command: str) -> bool:
        commands = self.commands or (("stream",) if self.group == STREAM else ("run", "stream"))
        return command in commands

    @property
    def spellings(self) -> list[str]:
        hyphens = "--" + self.name.replace("_", "-")
        return [hyphens] if hyphens == "--" + self.name else ["--" + self.name, hyphens]

    def help_text(self) -> str:
        if self.default is None or self.choices:
            return self.help
        default = f"{self.default:g}" if isinstance(self.default, float) else self.default
        return f"{self.help} (default {default})"


FLAGS = (
    Flag("input", "files, folders (walked recursively) and globs to ingest, local or gs://, s3://",
         nargs="+", metavar="PATH", commands=("run",)),
    Flag("feeds", "feeds file: URL list, YAML or OPML", group=STREAM, metavar="FILE"),
    Flag("output", "output folder (local, gs://, s3://)", metavar="DIR"),
    Flag("manifest", "JSON Lines of per-input metadata, keyed by path (wins over what is extracted)",
         metavar="FILE", commands=("run",)),
    Flag("targets", "YAML or JSON claims to tag stances toward", metavar="FILE", section="tagging"),
    Flag("config", "YAML or JSON defaults for any option here (the command line wins)", metavar="FILE"),
    Flag("ner_models", "NER pipeline per language, e.g. en=en_core_web_trf,fr=/models/fr,ru=natasha "
         "(a spaCy package or path, `natasha`, or `none`); default en/fr spaCy small, ru natasha",
         metavar="LANG=MODEL,...", section="tagging"),
    Flag("tag_batch_size", "articles per nlp.pipe batch", int, 32, metavar="N", section="tagging"),
    Flag("tag_processes", "processes that tag on a local run, the worker's own included (default: 2 for a "
         "bounded run of one local worker on two or more cores, else 1)", int, metavar="N", section="tagging"),
    Flag("parse", "dependency parse: only the sentences quotes, role names and stance targets read "
         "(needed), or every sentence (full: the same tags, about 1.5x the spaCy time)", default="needed",
         choices=("needed", "full"), section="tagging"),
    Flag("extract_timeout", "seconds one page may take to extract before it is a dead letter "
         "(0: no limit, in-process)", float, 30.0, metavar="S", section="extraction"),
    Flag("max_document_mb", "largest single document read, in MiB", float, 10, metavar="MB",
         section="extraction"),
    Flag("language_prefix_chars", "characters of text given to language detection", int, 2000, metavar="N",
         section="extraction"),
    Flag("clean", "what cleaning removes from text copies and titles: rules and corpus evidence "
         "(corpus, the default), the rules alone (rules), or nothing (none)", default="corpus",
         choices=("corpus", "rules", "none"), section="extraction"),
    Flag("dedup_window_days", "days a copy is matched against earlier articles, within and across runs",
         float, 7, metavar="DAYS", section="copies and stories"),
    Flag("story_threshold", "TF-IDF cosine for one story", float, 0.2, metavar="X", section="copies and stories"),
    Flag("story_window_days", "days apart two reports of one story may be", int, 3, metavar="DAYS",
         section="copies and stories"),
    Flag("files_per_partition", "Parquet files per date/outlet folder", int, 1, metavar="N"),
    Flag("run_id", "name of this run's summary file under OUTPUT/_runs/", metavar="NAME"),
    # archives, backfills and the filters that save work (transforms/filters.py)
    Flag("sitemap", "news sitemaps or sitemap indexes whose pages to fetch (with or instead of --input)",
         nargs="+", metavar="URL", section=ARCHIVES, commands=("run",)),
    Flag("archive_split_mb", "a WARC file is read in ranges of this many MiB, by as many workers", float, 64,
         metavar="MB", section=ARCHIVES, commands=("run",)),
    Flag("outlets", "keep only these outlets: registrable domains or host globs, comma-separated "
         "(bbc.co.uk,*.reuters.com); applied to archive and sitemap URLs before anything is read",
         metavar="LIST", section=ARCHIVES, commands=("run",)),
    Flag("since", "keep articles published (else fetched) at or after this date or ISO time", metavar="DATE",
         section=ARCHIVES, commands=("run",)),
    Flag("until", "keep articles published (else fetched) before this time; a date includes its day",
         metavar="DATE", section=ARCHIVES, commands=("run",)),
    Flag("languages", "keep only these languages (ISO 639-1, comma-separated; `und` for undecided), "
         "after language detection, before tagging", metavar="LIST", section=ARCHIVES, commands=("run",)),
    Flag("progress", "live progress on stderr: one updating line on a terminal, log lines otherwise "
         "(auto), or off", default="auto", choices=("auto", "line", "log", "off")),
    Flag("progress_interval", "seconds between progress updates (default 0.5 on a terminal, 2 otherwise)",
         float, metavar="S"),
    Flag("spill_dir", "local folder under which a local run keeps on disk what waits at its shuffles "
         "(article bodies, shingle sets), in a subfolder removed at the end; `none` keeps them in "
         "memory (default: the system's temporary folder)", metavar="DIR"),
    # newsbeam stream (live feeds)
    Flag("poll_interval", "seconds between polls of a feed", float, 300.0, STREAM, metavar="S"),
    Flag("duration", "stop polling after this many seconds, then drain and flush (default: run on)",
         float, group=STREAM, metavar="S"),
    Flag("allow_hosts", "comma-separated hosts fetched even though they resolve to non-public addresses",
         group=STREAM, metavar="HOST,...", section=FETCHING, commands=("run", "stream")),
    Flag("per_host_rate", "requests per second to one host", float, 1.0, STREAM, metavar="R",
         section=FETCHING, commands=("run", "stream")),
    Flag("fetch_timeout", "seconds one fetch may take", float, 10.0, STREAM, metavar="S",
         section=FETCHING, commands=("run", "stream")),
    Flag("fetch_retries", "retries after a timeout, 429 or 5xx", int, 2, STREAM, metavar="N",
         section=FETCHING, commands=("run", "stream")),
    Flag("contact_url", "contact URL in the User-Agent of every request", str,
         "https://github.com/newsbeam/newsbeam", STREAM, metavar="URL", section=FETCHING,
         commands=("run", "stream")),
    Flag("window_seconds", "fixed window of the Parquet writes, in seconds", float, 300.0, STREAM, metavar="S"),
    Flag("allowed_lateness", "seconds a window accepts late entries", float, 3600.0, STREAM, metavar="S"),
    Flag("verify_every", "full fetch every N polls to check a feed's 304s", int, 10, STREAM, metavar="N"),
    Flag("seen_days", "days an entry id is remembered", float, 30.0, STREAM, metavar="DAYS"),
    Flag("max_backoff", "longest wait before retrying a failing feed or page, in seconds", float, 21600.0, STREAM,
         metavar="S"),
    Flag("fetch_max_tries", "tries of a page failing transiently (DNS, connection, timeout, 429, 5xx) "
         "before it is a dead letter", int, 8, STREAM, metavar="N"),
    Flag("fetch_max_age", "seconds after its first try a failing page is given up", float, 172800.0, STREAM,
         metavar="S"),
    Flag("retry_backoff", "seconds before a failed page is tried again (doubling, up to --max-backoff)",
         float, 60.0, STREAM, metavar="S"),
)
DEFAULTS = {flag.name: flag.default for flag in FLAGS if flag.default is not None}


def add_flags(parser, flags=FLAGS, spellings=lambda flag: flag.spellings, group_of=lambda flag: flag.group) -> None:
    """Register `flags` on an argparse parser, in argument groups named by `group_of`."""
    groups: dict[str, object] = {}
    for flag in flags:
        title = group_of(flag)
        group = groups.get(title) or groups.setdefault(title, parser.add_argument_group(title))
        extra = {"nargs": flag.nargs} if flag.nargs else {}
        if flag.choices:
            extra.update(choices=flag.choices, default=flag.default)
        else:
            extra.update(type=flag.type, default=None)
        group.add_argument(*spellings(flag), dest=flag.name, help=flag.help_text(), metavar=flag.metavar, **extra)


class NewsbeamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        add_flags(parser)


def setting(options: NewsbeamOptions, name: str):
    """An option's value: the command line, else the --config file, else the default."""
    value = getattr(options, name, None)
    if value is None:
        value = load_config(options.config).get(name) if getattr(options, "config", None) else None
    return DEFAULTS.get(name) if value is None else value


class _Resolved:
    """What Settings has beyond one field per flag."""

    @property
    def max_document_bytes(self) -> int:
        return int(float(self.max_document_mb) * (1 << 20))

    @property
    def archive_split_bytes(self) -> int:
        return int(float(self.archive_split_mb) * (1 << 20))

    @property
    def client_settings(self) -> dict:
        """HttpClient keyword arguments: a plain dict a DoFn carries to its workers and turns into a
        client in `setup`, so that every stage's client (feeds, pages, sitemaps) agrees."""
        return {"contact_url": self.contact_url, "timeout": self.fetch_timeout,
                "per_host_rate": self.per_host_rate, "max_bytes": self.max_document_bytes,
                "allow_hosts": list(self.allow_hosts), "retries": self.fetch_retries}

    @property
    def in_process_worker(self) -> bool:
        """A local run whose one SDK worker is the command's own process."""
        return not self.remote_runner and self.local_workers == 1

    @property
    def tagging_processes(self) -> int:
        """--tag_processes, else 2 where a second core would otherwise wait: a local run of one
        worker on a machine of two cores or more (the graph builder asks only for bounded input)."""
        if self.tag_processes:
            return max(1, int(self.tag_processes))
        import os
        return 2 if self.in_process_worker and (os.cpu_count() or 1) >= 2 else 1

    @property
    def filters(self):
        """--outlets, --since, --until, --languages as one Filters (ValueError for a bad value)."""
        from transforms.filters import Filters
        return Filters.parse(self.outlets, self.since, self.until, self.languages)

    @classmethod
    def resolve(cls, options: PipelineOptions) -> "Settings":
        """Each flag from the command line, else the --config file, else its default, typed."""
        from apache_beam.options.pipeline_options import StandardOptions
        options = options.view_as(NewsbeamOptions)
        values = {}
        for flag in FLAGS:
            value = setting(options, flag.name)
            values[flag.name] = flag.type(value) if value is not None and flag.type in (int, float) else value
        allow = values["allow_hosts"] or ""
        hosts = allow.split(",") if isinstance(allow, str) else allow
        return cls(**{**values, "input": _tuple(values["input"]), "sitemap": _tuple(values["sitemap"]),
                      "allow_hosts": tuple(h.strip() for h in hosts if h and h.strip()),
                      "remote_runner": bool(options.view_as(StandardOptions).runner),
                      "local_workers": _local_workers(options)})


def _local_workers(options: PipelineOptions) -> int:
    """Worker processes of a local run (--direct_num_workers; 0 means one per core)."""
    import os

    from apache_beam.options.pipeline_options import DirectOptions
    workers = options.view_as(DirectOptions).direct_num_workers
    return int(workers) if workers else (os.cpu_count() or 1)


def _tuple(value) -> tuple:
    """A flag of several values; a config file may give one as a plain string."""
    return (value,) if isinstance(value, str) else tuple(value or ())


def _field_type(flag: Flag):
    return tuple if flag.nargs else flag.type


# One typed field per flag (a flag with several values is a tuple), plus whether a --runner was given
# and how many local worker processes run.
Settings = make_dataclass(
    "Settings", [(flag.name, _field_type(flag) | None, field(default=flag.default)) for flag in FLAGS]
    + [("remote_runner", bool, field(default=False)), ("local_workers", int, field(default=1))],
    bases=(_Resolved,), frozen=True)
Settings.__doc__ = "The flags resolved once into the typed values the stages receive (`Settings.resolve`)."


_CONFIG_CACHE: dict[str, dict] = {}


class ConfigError(ValueError):
    pass


def load_config(path: str) -> dict:
    """A YAML or JSON mapping; keys may use dashes or underscores."""
    if path not in _CONFIG_CACHE:
        try:
            from apache_beam.io.filesystems import FileSystems
            with FileSystems.open(path) as f:
                raw = f.read().decode("utf-8")
        except Exception as error:  # noqa: BLE001
            raise ConfigError(f"cannot read config {path}: {error}") from error
        try:
            if path.endswith(".json"):
                data = json.loads(raw)
            else:
                import yaml
                data = yaml.safe_load(raw)
        except Exception as error:  # noqa: BLE001
            raise ConfigError(f"config {path} is not valid YAML/JSON: {str(error).splitlines()[0]}") from error
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"config {path} must hold a mapping of option names to values")
        _CONFIG_CACHE[path] = {str(k).replace("-", "_"): v for k, v in data.items()}
    return _CONFIG_CACHE[path]


def unknown_beam_flags(flags: list[str]) -> list[str]:
    """Flags no registered PipelineOptions class knows (Beam itself would only log and drop them)."""
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    class Raising(_BeamArgumentParser):
        def error(self, message):  # Beam's parser would print its whole usage (150 lines) and exit
            raise ConfigError(message)

    parser = Raising(allow_abbrev=False, conflict_handler="resolve")
    seen = set()

    def register(cls):
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                sub._add_argparse_args(parser)
                register(sub)

    register(PipelineOptions)
    _, unknown = parser.parse_known_args(flags)
    return [flag for flag in unknown if flag.startswith("-")]
