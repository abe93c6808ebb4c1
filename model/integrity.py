"""Files that survive crashes: atomic writes, SHA-256 checksums and a results-folder lock.

- :func:`atomic_write`: a temporary file in the same folder, fsynced, then renamed, so a
  reader sees the old file or the new one, never a half-written one; the temporary file is
  removed if the write fails (a full disk leaves nothing behind).
- :func:`sha256_file`: the checksum recorded for every run file and assembled file;
  :func:`check_run_file`: whether a run file can be reused (checksum, run id and seed).
- :class:`FolderLock`: ``.conduit.lock`` (pid, host, start time) held while a run writes a
  results folder; a lock whose pid is gone on this host is stale and taken over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

RUN_ID_KEY, SEED_KEY = b"conduit.run_id", b"conduit.seed"
"""Parquet metadata of a run file: its run id and seed (checked against its name on resume)."""
LOCK = ".conduit.lock"
"""The lock file in a results folder while ``conduit run`` writes it."""
CHUNK = 1 << 20


class FolderBusy(Exception):
    """Another live conduit process holds the folder's lock."""


def tmp_name(path: Path) -> Path:
    """The temporary sibling ``path`` is written to before the rename."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path to write; renamed onto ``path`` on success, removed on failure."""
    tmp = tmp_name(path)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp), tmp):
            raise located(exc, path) from exc
        raise


def located(exc: OSError, path: Path) -> OSError:
    """``exc`` naming ``path`` (pyarrow's and write()'s errors name no file)."""
    code = exc.errno
    if code is None and "No space left" in str(exc):
        code = errno.ENOSPC
    return OSError(code, exc.strerror or str(exc), str(path))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line to ``path`` and fsync it (an append-only log)."""
    line = json.dumps(record, separators=(",", ":"), default=str) + "\n"
    try:
        if not _ends_with_newline(path):  # a torn last line (a crash) must not swallow this
            line = "\n" + line
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        if exc.filename is None:
            raise located(exc, path) from exc
        raise


def _ends_with_newline(path: Path) -> bool:
    """Whether ``path`` is empty, missing or ends with a newline."""
    try:
        with open(path, "rb") as fh:
            if fh.seek(0, os.SEEK_END) == 0:
                return True
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"
    except FileNotFoundError:
        return True


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines log; a torn last line (a crash mid-append) is skipped."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # missing, or not a file: no records
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


# --------------------------------------------------------------------------- run files
def seed_key(seed: dict[str, Any]) -> bytes:
    """A run's seed record as stored in its file's metadata."""
    return json.dumps(seed, sort_keys=True, separators=(",", ":")).encode()


def check_run_file(path: Path, run_id: int, seed: dict[str, Any], sha256: str | None) -> str | None:
    """Why the run file ``path`` cannot be reused (None: it can).

    Checks the SHA-256 recorded when it was written, then the run id and seed stored in
    the file against those its name stands for. Without a recorded checksum (results of an
    older conduit) the whole file is read and its ``run_id`` column checked instead.
    """
    try:
        if sha256 is not None and sha256_file(path) != sha256:
            return "its checksum differs from the one recorded when it was written"
        meta = pq.read_schema(path).metadata or {}
        if RUN_ID_KEY in meta:
            found = meta[RUN_ID_KEY].decode()
            if found != str(run_id):
                return f"it holds run {found}, not run {run_id} (copied from another run?)"
            if meta.get(SEED_KEY) != seed_key(seed):
                return "it holds another seed than this run's"
        if sha256 is None:  # no checksum: at least every page must read
            ids = pc.unique(pq.read_table(path).column("run_id")).to_pylist()
            if ids != [run_id]:
                return f"it holds run ids {ids[:3]}, not run {run_id}"
    except (OSError, pa.ArrowException, KeyError, ValueError, UnicodeDecodeError) as exc:
        return f"it is not a readable Parquet file ({shorten(exc)})"
    return None


def shorten(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


# --------------------------------------------------------------------------- the lock
def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FolderLock:
    """``<folder>/.conduit.lock``: created exclusively, holding pid, host and start time.

    Use :meth:`acquire` then :meth:`release` (or ``with``). A lock left by a process that
    is gone (same host, pid not running) is stale: it is replaced, and ``stale`` holds its
    description. A live lock raises :class:`FolderBusy` with who holds it and since when.
    """

    def __init__(self, folder: Path):
        self.path = folder / LOCK
        self.held = False
        self.stale: str | None = None

    def acquire(self) -> FolderLock:
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self._holder()
                if self._is_stale(holder):
                    self.stale = _describe(holder)
                    with contextlib.suppress(FileNotFoundError):
                        self.path.unlink()
                    continue
                raise FolderBusy(
                    f"{self.path.parent} is being written by another conduit run "
                    f"({_describe(holder)}); wait or use --out"
                ) from None
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
            self.held = True
            return self
        raise FolderBusy(f"{self.path.parent}: cannot take the lock {self.path}")

    def _holder(self) -> dict[str, Any]:
        try:
            holder = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return holder if isinstance(holder, dict) else {}

    def _is_stale(self, holder: dict[str, Any]) -> bool:
        pid = holder.get("pid")
        if not isinstance(pid, int) or holder.get("host") != socket.gethostname():
            # unreadable (a crash while writing it) or another host's: only a missing pid
            # on this host proves it stale; an unreadable lock older than a minute is too
            return not holder and _age(self.path) > 60
        return not pid_alive(pid)

    def release(self) -> None:
        if self.held:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self.held = False

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "unreadable lock file"
    host = holder.get("host")
    where = f" on {host}" if host and host != socket.gethostname() else ""
    return f"pid {holder.get('pid')}{where}, since {holder.get('started')}"


def _age(path: Path) -> float:
    try:
        return dt.datetime.now().timestamp() - path.stat().st_mtime
    except OSError:
        return 0.0
