"""The build's SHACL check in a process of its own, so that it overlaps with parsing and mapping.

A build has three kinds of work per batch of studies: parse and map (Python, main
thread), check against the shapes (Python, about as costly as mapping) and index into
the store (Oxigraph, in a thread that releases the GIL). In one process the first two
take turns on one core. Here the check runs in a child process that receives each batch
as N-Quads bytes (the form the store writer needs anyway) and answers with the results
per study graph, in the order the batches were sent.

The child is ``python -m kg_builder.validation.worker`` over pipes rather than a
multiprocessing pool: spawning through multiprocessing re-imports the caller's main
script, which breaks builds started from a script without an ``if __name__`` guard.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import BinaryIO

from kg_builder.errors import ValidationError
from kg_builder.validation.engines import StudyValidation, StudyValidator

_LENGTH = struct.Struct("<Q")


class ValidatorProcessError(ValidationError):
    """The validation child died or answered with an error; the build fails and the last good store stays."""

    def __init__(self, message: str, *, stopped: bool = True) -> None:
        hint = ("the machine may be short of memory; retry, or build with --no-validate and run "
                "kg-builder validate afterwards") if stopped else (
                "this is a bug: please report it with the input; --no-validate builds without the check")
        super().__init__(message, hint=hint)


def _send(stream: BinaryIO, payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(stream: BinaryIO) -> bytes | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    payload = stream.read(length)
    if len(payload) < length:
        return None
    return payload


class _Payload:
    """One batch's bytes as a stream the parser reads from the pipe: the child never holds a whole batch
    (up to ~70 MiB of N-Quads for 100 studies with results) beside the index it builds from it."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream, self.left, self.short = stream, length, False

    def read(self, size: int | None = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self._stream.read(size) if size else b""
        self.left -= len(data)
        self.short = self.short or len(data) < size
        return data

    def finish(self) -> bool:
        """Read what the parser left (after an error); whether the whole payload came."""
        while self.left and not self.short:
            self.read(1 << 20)
        return not self.short


def serve(stdin: BinaryIO, stdout: BinaryIO, shapes_dir: str | None, ontology_dir: str | None) -> None:
    """The child's loop: read a batch, answer ``("ok", results)`` or ``("error", message)``, until EOF."""
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops this child
    validator = StudyValidator(shapes_dir or None, ontology_dir or None)
    gc.freeze()  # shapes and vocabulary live as long as the process: keep them out of every collection
    gc.set_threshold(50_000, 20, 100)
    while len(head := stdin.read(_LENGTH.size)) == _LENGTH.size:
        payload = _Payload(stdin, _LENGTH.unpack(head)[0])
        try:
            answer: tuple = ("ok", validator.validate_serialized(payload))
        except Exception as exc:  # reported to the parent, which fails the build with it
            answer = ("error", f"{type(exc).__name__}: {exc}")
        if not payload.finish():  # the parent is gone in the middle of a batch
            return
        try:
            _send(stdout, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except BrokenPipeError:  # the parent is gone: nothing left to do
            return


class BackgroundValidator:
    """Checks batches in a child process; :meth:`submit` hands one over, :meth:`oldest` takes results in order."""

    def __init__(self, shapes_dir: str | Path | None = None, ontology_dir: str | Path | None = None,
                 *, in_flight: int = 2) -> None:
        command = [sys.executable, "-m", "kg_builder.validation.worker", str(shapes_dir or ""), str(ontology_dir or "")]
        # the child imports kg_builder from wherever this process found it (a checkout, a zipapp, a venv)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._tokens: list[object] = []
        self._answers: queue.Queue[bytes | None] = queue.Queue()
        # results are read as they come: a child blocked writing a large answer while the parent is
        # blocked writing the next batch would otherwise wait on each other for ever
        self._reader = threading.Thread(target=self._read_answers, name="kg-validation-reader", daemon=True)
        self._reader.start()
        self.in_flight = in_flight  # batches sent and not yet taken back (bounds memory)

    def _read_answers(self) -> None:
        assert self._process.stdout is not None
        while (payload := _receive(self._process.stdout)) is not None:
            self._answers.put(payload)
        self._answers.put(None)

    def submit(self, data: bytes, token: object) -> None:
        """Send a batch (N-Quads of its study graphs); ``token`` comes back with its results."""
        assert self._process.stdin is not None
        try:
            _send(self._process.stdin, data)
        except (BrokenPipeError, OSError) as exc:
            raise ValidatorProcessError(f"the validation process stopped (exit {self._process.poll()})") from exc
        self._tokens.append(token)

    @property
    def full(self) -> bool:
        return len(self._tokens) >= self.in_flight

    def __len__(self) -> int:
        return len(self._tokens)

    def oldest(self) -> tuple[object, dict[str, StudyValidation]]:
        """The oldest batch's token and results, waiting for them."""
        payload = self._answers.get()
        if payload is None:
            raise ValidatorProcessError(f"the validation process stopped (exit {self._process.wait()})")
        status, value = pickle.loads(payload)  # our own child, over a private pipe
        if status != "ok":
            raise ValidatorProcessError(f"validation failed: {value}", stopped=False)
        return self._tokens.pop(0), value

    def close(self) -> None:
        """Stop the child (at once if batches are still pending: the build is being abandoned)."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        if self._tokens:
            self._process.kill()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join(timeout=5)


if __name__ == "__main__":
    shapes, ontology = [*sys.argv[1:3], "", ""][:2]
    serve(sys.stdin.buffer, sys.stdout.buffer, shapes, ontology)
