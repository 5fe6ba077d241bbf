"""The files a run writes, and the progress file that lets `--resume` continue it exactly.

Every chunk of output is committed in two steps: first the progress file (`OUT.progress.json`,
replaced atomically) records where the input will stand and how long each output will be once
the chunk is written; then the chunk's lines are appended and flushed. A run killed at any
point (Ctrl-C, SIGKILL, out of memory) therefore leaves outputs that are either exactly at the
recorded state or at most one chunk past it, possibly ending in a partial line. Resuming cuts
every output back to the last state that is complete on disk and reads the input from the
record after it, so the resumed outputs are byte for byte those of an uninterrupted run, and
no record that was written is scored again. (This survives the process dying, not the machine
losing power: nothing is fsync'ed.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import UsageError
from .records import Position

VERSION = 1
Sizes = dict[str, int]


@dataclass(frozen=True)
class State:
    position: Position
    sizes: Sizes

    def to_json(self) -> dict[str, Any]:
        return {"position": self.position.to_json(), "sizes": self.sizes}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> State:
        return cls(Position.from_json(value["position"]), {str(k): int(v) for k, v in value["sizes"].items()})


def progress_path(output: Path) -> Path:
    return output.with_name(output.name + ".progress.json")


class Outputs:
    """The open output files of a run, by role (`output`, `rejected`, `pairs`, `errors`)."""

    def __init__(self, paths: Mapping[str, Path], fingerprint: Mapping[str, Any], state: State) -> None:
        self.paths = dict(paths)
        self.progress = progress_path(paths["output"])
        self.fingerprint = dict(fingerprint)
        self.state = state
        self._files: dict[str, BinaryIO] = {role: path.open("ab") for role, path in self.paths.items()}

    @classmethod
    def start(cls, paths: Mapping[str, Path], fingerprint: Mapping[str, Any], *, overwrite: bool) -> Outputs:
        """Fresh, empty outputs. Existing ones are replaced only with `overwrite`."""
        progress = progress_path(paths["output"])
        existing = [str(p) for p in (*paths.values(), progress) if p.exists() and p.stat().st_size > 0]
        if existing and not overwrite:
            raise UsageError(
                f"{', '.join(existing)} already exist: pass --resume to continue the run that wrote them, "
                "or --overwrite to start over"
            )
        for path in paths.values():
            _create_parent(path)
            with path.open("wb"):
                pass
        outputs = cls(paths, fingerprint, State(Position(), {role: 0 for role in paths}))
        outputs._save(outputs.state, None)
        return outputs

    @classmethod
    def resume(cls, paths: Mapping[str, Path], fingerprint: Mapping[str, Any]) -> Outputs:
        """The outputs of an interrupted run, cut back to its last complete state."""
        progress = progress_path(paths["output"])
        try:
            journal = json.loads(progress.read_text(encoding="utf-8"))
            done = State.from_json(journal["done"])
            following = State.from_json(journal["next"]) if journal.get("next") else None
            recorded = journal["fingerprint"]
            version = journal["version"]
        except FileNotFoundError:
            raise UsageError(
                f"cannot resume: {progress} does not exist, so nothing says how far the run that wrote "
                f"{paths['output']} got; start over with --overwrite"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"cannot resume: {progress} is unreadable ({exc}); start over with --overwrite") from exc
        if version != VERSION:
            raise UsageError(f"cannot resume: {progress} was written by another version; start over with --overwrite")
        check_same_run(recorded, fingerprint)
        sizes = {role: path.stat().st_size if path.exists() else 0 for role, path in paths.items()}
        state = following if following and all(sizes[r] >= n for r, n in following.sizes.items()) else done
        for role, path in paths.items():
            if sizes[role] < state.sizes[role]:
                raise UsageError(
                    f"cannot resume: {path} is {sizes[role]} bytes, shorter than the {state.sizes[role]} bytes "
                    "the interrupted run had written, so it was changed since; start over with --overwrite"
                )
        for role, path in paths.items():
            if path.exists():
                os.truncate(path, state.sizes[role])
        outputs = cls(paths, fingerprint, state)
        outputs._save(state, None)
        return outputs

    def commit(self, lines: Mapping[str, bytes], end: Position) -> None:
        """Append each role's lines, now standing at input position `end` (see the module docstring)."""
        sizes = {role: size + len(lines.get(role, b"")) for role, size in self.state.sizes.items()}
        following = State(end, sizes)
        self._save(self.state, following)
        for role, data in lines.items():
            if data:
                self._files[role].write(data)
                self._files[role].flush()
        self.state = following

    def written(self, role: str) -> Iterator[bytes]:
        """The lines of `role` committed so far: on resuming, what the earlier runs wrote."""
        size = self.state.sizes.get(role, 0)
        if not size:
            return
        with self.paths[role].open("rb") as file:
            while file.tell() < size and (line := file.readline()):
                yield line

    def close(self) -> None:
        """Record the final state and close the files; an errors file left empty is removed."""
        for file in self._files.values():
            file.close()
        self._save(self.state, None)
        errors = self.paths.get("errors")
        if errors is not None and self.state.sizes.get("errors") == 0 and errors.exists():
            errors.unlink()

    def _save(self, done: State, following: State | None) -> None:
        journal = {
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "done": done.to_json(),
            "next": following.to_json() if following else None,
        }
        temporary = self.progress.with_name(self.progress.name + ".tmp")
        temporary.write_text(json.dumps(journal, indent=1), encoding="utf-8")
        os.replace(temporary, self.progress)


def check_same_run(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    """Resuming with other options would mix two kinds of output in one file: refuse, naming them."""
    differ = sorted(key for key in set(recorded) | set(current) if recorded.get(key) != current.get(key))
    if differ:
        changes = "; ".join(f"{key}: was {recorded.get(key)!r}, now {current.get(key)!r}" for key in differ)
        raise UsageError(
            f"cannot resume: the options differ from the interrupted run's ({changes}); "
            "resume with the same options, or start over with --overwrite"
        )


def _create_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder for {path}: {exc.strerror or exc}") from exc
