"""Spill: what waits at a shuffle of the local runner kept on local disk, a small handle in its place.

Beam's local runner (FnApiRunner) holds every shuffle in memory until the stage that reads it runs,
so a corpus's article bodies and shingle sets, which wait at the dedup, story and write shuffles,
made memory grow with the corpus (bench/RESULTS.md). With a spill folder, `put(blob)` appends the
blob to this process's file in it and returns a 16-byte handle (file, offset, length); `get(handle)`
reads it back, from any process of the run (the stages of `--direct_running_mode=multi_processing`
run in several). The shuffle then holds the handle, not the blob.

Without a folder (`Spill(None)`, what remote runners get: their shuffles spill to disk themselves,
and their workers share no disk) the handle is the blob itself, so the same graph runs unchanged.

Files are append-only, written with one `os.write` per blob (no user-space buffer: a blob is on its
way to the page cache before its handle leaves the DoFn, so any later stage can read it). A retried
bundle writes its blobs again and hands on the new handles; the old bytes are only garbage. The
folder belongs to the run that made it (`spill_folder`), which removes it at the end.
"""
from __future__ import annotations

import os
import secrets
import shutil
import struct
import tempfile
import threading
from contextlib import contextmanager

_HANDLE = struct.Struct("<IQI")     # file number, offset, length
HANDLE_BYTES = _HANDLE.size         # 16


class Spill:
    """`put(bytes) -> handle`, `get(handle) -> bytes`; inline (handle = blob) when `folder` is None.
    Pickles as its folder only: each process opens its own files."""

    def __init__(self, folder: str | None = None):
        self.folder = folder
        self._reset()

    def _reset(self):
        self._lock = threading.Lock()
        self._writer: tuple[int, int] | None = None    # (file number, fd)
        self._offset = 0
        self._pid = os.getpid()
        self._readers: dict[int, int] = {}

    def __getstate__(self):
        return {"folder": self.folder}

    def __setstate__(self, state):
        self.folder = state["folder"]
        self._reset()

    def __eq__(self, other):
        return isinstance(other, Spill) and other.folder == self.folder

    def __hash__(self):
        return hash(self.folder)

    def __repr__(self):
        return f"Spill({self.folder!r})"

    @property
    def inline(self) -> bool:
        return self.folder is None

    def _path(self, number: int) -> str:
        return os.path.join(self.folder, f"{number:08x}.spill")

    def _open_writer(self) -> tuple[int, int]:
        while True:  # a fresh random file name; O_EXCL makes a clash (1 in 4 billion) retry
            number = secrets.randbits(32)
            try:
                fd = os.open(self._path(number), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            except FileExistsError:
                continue
            self._offset = 0
            return number, fd

    def put(self, blob: bytes) -> bytes:
        if self.folder is None:
            return blob
        with self._lock:
            if self._writer is None or self._pid != os.getpid():  # a forked child writes its own file
                self._pid = os.getpid()
                self._readers = {}
                self._writer = self._open_writer()
            number, fd = self._writer
            view, offset = memoryview(blob), self._offset
            while view:
                written = os.write(fd, view)
                view = view[written:]
            self._offset += len(blob)
        return _HANDLE.pack(number, offset, len(blob))

    def get(self, handle: bytes) -> bytes:
        if self.folder is None:
            return handle
        number, offset, length = _HANDLE.unpack(handle)
        fd = self._readers.get(number)
        if fd is None:
            with self._lock:
                fd = self._readers.get(number)
                if fd is None:
                    fd = self._readers[number] = os.open(self._path(number), os.O_RDONLY)
        data = os.pread(fd, length, offset)
        if len(data) != length:
            raise OSError(f"spill file {self._path(number)} ends before offset {offset + length}")
        return data


@contextmanager
def spill_folder(parent: str | None = None):
    """A fresh folder for one run's spill files (under `parent`, else the system's temporary folder),
    removed with everything in it when the block ends, however it ends."""
    folder = tempfile.mkdtemp(prefix="newsbeam-spill-", dir=parent)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
