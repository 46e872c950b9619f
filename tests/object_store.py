"""A fake object store for tests: Beam FileSystem `memory://` that behaves like GCS or S3.

Beam's Python SDK (2.77) has no in-memory filesystem, so this is a small one. It keeps the object
store semantics that local paths hide: keys are flat (no folders, `has_dirs()` is False, listing is
by prefix), an object appears only when its writer is closed, `rename` is copy-then-delete, and the
written stream cannot seek. Defining the subclass registers the scheme with `FileSystems`; it lives
in this process only, so tests that use it run the pipeline in-process (FnApiRunner).
"""
from __future__ import annotations

import io
import threading
import time

from apache_beam.io.filesystem import BeamIOError, CompressedFile, CompressionTypes, FileMetadata, FileSystem

SCHEME = "memory"
PREFIX = f"{SCHEME}://"
_OBJECTS: dict[str, tuple[bytes, float]] = {}
_LOCK = threading.Lock()


def put(path: str, data: bytes) -> None:
    with _LOCK:
        _OBJECTS[path] = (bytes(data), time.time())


def get(path: str) -> bytes:
    with _LOCK:
        return _OBJECTS[path][0]


def keys(prefix: str = PREFIX) -> list[str]:
    with _LOCK:
        return sorted(k for k in _OBJECTS if k.startswith(prefix))


def clear(prefix: str = PREFIX) -> None:
    with _LOCK:
        for key in [k for k in _OBJECTS if k.startswith(prefix)]:
            del _OBJECTS[key]


class _Download(io.BytesIO):
    mode = "rb"  # CompressedFile reads it, as Beam's GCS and S3 streams have it


class _Upload(io.RawIOBase):
    """A write stream that publishes the object on close, like a resumable upload."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.mode = "wb"
        self._buffer = io.BytesIO()

    def writable(self):
        return True

    def write(self, data):
        return self._buffer.write(data)

    def tell(self):
        return self._buffer.tell()

    def close(self):
        if not self.closed:
            put(self.path, self._buffer.getvalue())
        super().close()


class MemoryFileSystem(FileSystem):
    @classmethod
    def scheme(cls):
        return SCHEME

    def join(self, basepath, *paths):
        path = basepath
        for part in paths:
            path = path.rstrip("/") + "/" + part.lstrip("/")
        return path

    def split(self, path):
        head, _, tail = path[len(PREFIX):].rpartition("/")
        return (PREFIX + head, tail) if head else (path, "")

    def mkdirs(self, path):
        pass  # an object store has no folders

    def has_dirs(self):
        return False

    def _list(self, dir_or_prefix):
        with _LOCK:
            items = [(k, len(v), t) for k, (v, t) in _OBJECTS.items() if k.startswith(dir_or_prefix)]
        for key, size, mtime in sorted(items):
            yield FileMetadata(key, size, mtime)

    def create(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        raw = io.BufferedWriter(_Upload(path))
        compression_type = self._get_compression_type(path, compression_type)
        if compression_type == CompressionTypes.UNCOMPRESSED:
            return raw
        return CompressedFile(raw, compression_type=compression_type)

    def open(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        try:
            raw = _Download(get(path))
        except KeyError:
            raise BeamIOError("Open failed", {path: FileNotFoundError(path)}) from None
        compression_type = self._get_compression_type(path, compression_type)
        if compression_type == CompressionTypes.UNCOMPRESSED:
            return raw
        return CompressedFile(raw, compression_type=compression_type)

    def copy(self, source_file_names, destination_file_names):
        for source, destination in zip(source_file_names, destination_file_names):
            put(destination, get(source))

    def rename(self, source_file_names, destination_file_names):
        self.copy(source_file_names, destination_file_names)
        self.delete(source_file_names)

    def exists(self, path):
        with _LOCK:
            return path in _OBJECTS

    def size(self, path):
        return len(get(path))

    def last_updated(self, path):
        with _LOCK:
            return _OBJECTS[path][1]

    def checksum(self, path):
        import hashlib
        return hashlib.md5(get(path)).hexdigest()

    def metadata(self, path):
        with _LOCK:
            data, mtime = _OBJECTS[path]
        return FileMetadata(path, len(data), mtime)

    def delete(self, paths):
        errors = {}
        with _LOCK:
            for path in paths:
                if path in _OBJECTS:
                    del _OBJECTS[path]
                else:
                    errors[path] = FileNotFoundError(path)
        if errors:
            raise BeamIOError("Delete failed", errors)
