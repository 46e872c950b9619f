"""NewsbeamOptions: every flag of the contract, and the tuning knobs, in one place.

They are Beam pipeline options, so they travel with the job to remote workers and into templates.
`--config FILE` (YAML or JSON) supplies defaults for any of them; the command line wins.
"""
from __future__ import annotations

import json

from apache_beam.options.pipeline_options import PipelineOptions

DEFAULTS = {
    "extract_timeout": 30.0,
    "ner_models": None,          # transforms/entities.py DEFAULT_NER_MODELS
    "tag_batch_size": 32,
    "max_document_mb": 10,
    "language_prefix_chars": 2000,
    "files_per_partition": 1,
    # newsbeam stream (live feeds)
    "poll_interval": 300.0,
    "per_host_rate": 1.0,
    "fetch_timeout": 10.0,
    "fetch_retries": 2,
    "contact_url": "https://github.com/newsbeam/newsbeam",
    "window_seconds": 300.0,
    "allowed_lateness": 3600.0,
    "verify_every": 10,
    "seen_days": 30.0,
    "max_backoff": 21600.0,
    "dedup_window_days": 7,
    "story_threshold": 0.2,
    "story_window_days": 3,
}


class NewsbeamOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        group = parser.add_argument_group("newsbeam")
        group.add_argument("--input", nargs="+", default=None,
                           help="files, folders (walked recursively) and globs to ingest")
        group.add_argument("--output", default=None, help="output folder (local, gs://, s3://)")
        group.add_argument("--manifest", default=None, help="JSON Lines of per-input metadata, keyed by path")
        group.add_argument("--targets", default=None, help="YAML or JSON claims to tag stances toward")
        group.add_argument("--config", default=None, help="YAML or JSON defaults for any option here")
        group.add_argument("--ner_models", "--ner-models", default=None,
                           help="NER pipeline per language, e.g. en=en_core_web_trf,fr=/models/fr,ru=natasha "
                                "(a spaCy package or path, `natasha`, or `none`); default en/fr spaCy small, ru natasha")
        group.add_argument("--tag_batch_size", "--tag-batch-size", type=int, default=None,
                           help=f"articles per nlp.pipe batch (default {DEFAULTS['tag_batch_size']})")
        group.add_argument("--extract_timeout", "--extract-timeout", type=float, default=None,
                           help="seconds one page may take to extract before it is a dead letter "
                                f"(default {DEFAULTS['extract_timeout']:g}; 0: no limit, in-process)")
        group.add_argument("--max_document_mb", "--max-document-mb", type=float, default=None,
                           help=f"largest single document read (default {DEFAULTS['max_document_mb']} MiB)")
        group.add_argument("--language_prefix_chars", "--language-prefix-chars", type=int, default=None,
                           help=f"characters of text given to language detection "
                                f"(default {DEFAULTS['language_prefix_chars']})")
        group.add_argument("--files_per_partition", "--files-per-partition", type=int, default=None,
                           help="Parquet files per date/outlet folder (default 1)")
        group.add_argument("--dedup_window_days", "--dedup-window-days", type=float, default=None,
                           help="days a copy is matched against earlier articles, within and across runs "
                                f"(default {DEFAULTS['dedup_window_days']})")
        group.add_argument("--story_threshold", "--story-threshold", type=float, default=None,
                           help=f"TF-IDF cosine for one story (default {DEFAULTS['story_threshold']})")
        group.add_argument("--story_window_days", "--story-window-days", type=int, default=None,
                           help=f"days apart two reports of one story may be (default {DEFAULTS['story_window_days']})")
        group.add_argument("--run_id", "--run-id", default=None, help="name of this run's summary file")
        group.add_argument("--progress", choices=["auto", "line", "log", "off"], default="auto",
                           help="live progress on stderr: one updating line on a terminal, log lines "
                                "otherwise (auto), or off")
        group.add_argument("--progress_interval", "--progress-interval", type=float, default=None,
                           help="seconds between progress updates (default 0.5 on a terminal, 2 otherwise)")
        live = parser.add_argument_group("newsbeam stream")
        live.add_argument("--feeds", default=None, help="feeds file: URL list, YAML or OPML")
        live.add_argument("--poll_interval", "--poll-interval", type=float, default=None,
                          help=f"seconds between polls of a feed (default {DEFAULTS['poll_interval']:g})")
        live.add_argument("--duration", type=float, default=None,
                          help="stop polling after this many seconds, then drain and flush (default: run on)")
        live.add_argument("--allow_hosts", "--allow-hosts", default=None,
                          help="comma-separated hosts fetched even though they resolve to non-public addresses")
        live.add_argument("--per_host_rate", "--per-host-rate", type=float, default=None,
                          help=f"requests per second to one host (default {DEFAULTS['per_host_rate']:g})")
        live.add_argument("--fetch_timeout", "--fetch-timeout", type=float, default=None,
                          help=f"seconds one fetch may take (default {DEFAULTS['fetch_timeout']:g})")
        live.add_argument("--fetch_retries", "--fetch-retries", type=int, default=None,
                          help=f"retries after a timeout, 429 or 5xx (default {DEFAULTS['fetch_retries']})")
        live.add_argument("--contact_url", "--contact-url", default=None,
                          help="contact URL in the User-Agent of every request")
        live.add_argument("--window_seconds", "--window-seconds", type=float, default=None,
                          help=f"fixed window of the Parquet writes (default {DEFAULTS['window_seconds']:g} s)")
        live.add_argument("--allowed_lateness", "--allowed-lateness", type=float, default=None,
                          help=f"seconds a window accepts late entries (default {DEFAULTS['allowed_lateness']:g})")
        live.add_argument("--verify_every", "--verify-every", type=int, default=None,
                          help=f"full fetch every N polls to check a feed's 304s (default {DEFAULTS['verify_every']})")
        live.add_argument("--seen_days", "--seen-days", type=float, default=None,
                          help=f"days an entry id is remembered (default {DEFAULTS['seen_days']:g})")
        live.add_argument("--max_backoff", "--max-backoff", type=float, default=None,
                          help=f"longest wait before retrying a failing feed (default {DEFAULTS['max_backoff']:g} s)")


def setting(options: NewsbeamOptions, name: str):
    """An option's value: the command line, else the --config file, else the default."""
    value = getattr(options, name, None)
    if value is None:
        value = load_config(options.config).get(name) if getattr(options, "config", None) else None
    return DEFAULTS.get(name) if value is None else value


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

    parser = _BeamArgumentParser(allow_abbrev=False, conflict_handler="resolve")
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
