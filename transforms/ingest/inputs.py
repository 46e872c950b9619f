"""Resolving `--input` arguments and manifests into the list of files a run reads.

Inputs are resolved on the launching machine, so that a missing input fails before anything runs.
All file access goes through Beam's FileSystems, so `gs://` and `s3://` inputs work like local ones.
A manifest (`--manifest FILE`, or a `manifest.jsonl` inside an input folder) gives per-file
metadata that wins over what is extracted.
"""
from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

MANIFEST_NAME = "manifest.jsonl"
META_KEYS = ("url", "outlet", "published", "title", "language", "authors", "site_name")
GLOB_CHARS = set("*?[")


class InputError(ValueError):
    """An --input or --manifest that cannot be used; the command prints it as one line."""


@dataclass(frozen=True)
class InputFile:
    path: str                      # absolute path or URL as FileSystems knows it
    source: str                    # relative to the --input argument it was found under
    size: int = 0
    mtime: float | None = None
    meta: dict = field(default_factory=dict, hash=False, compare=False)


def _is_local(path: str) -> bool:
    return "://" not in path


def _abspath(path: str) -> str:
    import os
    return os.path.abspath(path) if _is_local(path) else path


def _normpath(path: str) -> str:
    """posixpath.normpath that keeps a URL's `scheme://` (normpath alone makes `gs:/bucket/...`)."""
    scheme, sep, rest = path.partition("://")
    return scheme + sep + posixpath.normpath(rest) if sep else posixpath.normpath(path)


def _relative(path: str, root: str) -> str:
    """`path` relative to the folder `root`, for local paths and URLs alike."""
    if _is_local(path):
        return posixpath.relpath(path, root)
    prefix = root.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else posixpath.basename(path)


def _glob_root(pattern: str) -> str:
    """The folder part of a glob before its first wildcard, which sources are made relative to."""
    parts = pattern.split("/")
    for i, part in enumerate(parts):
        if GLOB_CHARS & set(part):
            return "/".join(parts[:i])
    return posixpath.dirname(pattern)


def _is_dir(path: str) -> bool:
    if _is_local(path):
        import os
        return os.path.isdir(path)
    return not FileSystems.exists(path) and bool(_match(path.rstrip("/") + "/**"))


def _is_file(matched: str) -> bool:
    """A match that is a file. An object store lists only objects, so no per-object request is made
    there; a key ending in `/` is a console-made folder marker, not an input."""
    if _is_local(matched):
        return not _is_dir(matched)
    return not matched.endswith("/")


def _match(pattern: str):
    return FileSystems.match([pattern])[0].metadata_list


def load_manifest(path: str) -> dict[str, dict]:
    """`path` → metadata for every line of a manifest, with paths made absolute against its folder."""
    folder = posixpath.dirname(_abspath(path))
    entries = {}
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            lines = f.read().decode("utf-8-sig").splitlines()
    except Exception as error:  # noqa: BLE001
        raise InputError(f"cannot read manifest {path}: {error}") from error
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            rel = record["path"]
        except (ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path}:{number}: not a manifest line with a \"path\" ({error})") from error
        target = _abspath(_normpath(posixpath.join(folder, rel)))
        entries[target] = {k: record[k] for k in META_KEYS if record.get(k) not in (None, "")}
    return entries


def resolve_inputs(arguments: list[str], manifest: str | None = None) -> list[InputFile]:
    """Expand --input arguments into files. Raises InputError for an argument that matches nothing."""
    explicit = load_manifest(manifest) if manifest else {}
    found: dict[str, InputFile] = {}
    for argument in arguments:
        absolute = _abspath(argument)
        if GLOB_CHARS & set(argument):
            root, metadata, missing = _glob_root(absolute), _match(absolute), "no file matches"
        elif _is_dir(absolute):
            root, metadata = absolute.rstrip("/"), _match(absolute.rstrip("/") + "/**")
            missing = "the folder holds no files"
        else:
            root, metadata, missing = posixpath.dirname(absolute), _match(absolute), "input not found"
        files = [m for m in metadata if _is_file(m.path)]
        if not files:
            raise InputError(f"{missing}: {argument}")
        folder_manifests = {}
        for m in files:
            if posixpath.basename(m.path) == MANIFEST_NAME:
                folder_manifests.update(load_manifest(m.path))
        for m in sorted(files, key=lambda m: m.path):
            name = posixpath.basename(m.path)
            if name == MANIFEST_NAME or name.startswith("."):
                continue
            source = _relative(m.path, root) if root else name
            meta = {**folder_manifests.get(m.path, {}), **explicit.get(m.path, {})}
            found.setdefault(m.path, InputFile(m.path, source, m.size_in_bytes,
                                               getattr(m, "last_updated_in_seconds", None), meta))
    return list(found.values())
