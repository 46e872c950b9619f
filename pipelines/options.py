"""NewsbeamOptions: every flag of the contract, and the tuning knobs, in one place.

They are Beam pipeline options, so they travel with the job to remote workers and into templates.
`--config FILE` (YAML or JSON) supplies defaults for any of them; the command line wins.
"""
from __future__ import annotations

import json

from apache_beam.options.pipeline_options import PipelineOptions

DEFAULTS = {
    "extract_timeout": 30.0,
    "max_document_mb": 10,
    "language_prefix_chars": 2000,
    "files_per_partition": 1,
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
