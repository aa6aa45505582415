"""What every build makes from the ontology, vocabularies and shapes before it reads a record (the
vocabularies' lookup tables, the shapes compiled to SPARQL), kept in OUT/compiled.pickle for the next
incremental build: made from the files with rdflib, they take about as long as the rest of a one-record
build.

The file holds the build's fingerprint (fingerprint.py: the code, ontology, vocabularies and shapes among
the rest). An incremental build runs only when its fingerprint is the previous build's, so a file with that
fingerprint holds what the files would give; any other file, or one that cannot be read, is ignored and the
tables are made again (never a wrong answer, at worst the time saved lost). Written with pickle by the build
itself, into the build's own directory, and read back only from OUT, which the build owns."""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from publisher.assets import ontology_graph
from publisher.records.vocab import Vocabularies
from publisher.shacl.compile import CompiledShapes
from publisher.shacl.run import compiled_shapes

FILE = "compiled.pickle"


@dataclass(frozen=True)
class Compiled:
    fingerprint: str
    vocab: Vocabularies
    shapes: CompiledShapes


def make(fingerprint: str) -> Compiled:
    return Compiled(fingerprint, Vocabularies(ontology_graph()), compiled_shapes())


def load(out: Path, fingerprint: str) -> tuple[Compiled, bool]:
    """The previous build's tables when made under `fingerprint` (True), else made now (False)."""
    try:
        found = pickle.loads((out / FILE).read_bytes())
    except Exception:      # any unreadable file, whatever unpickling raises: made again
        found = None
    if isinstance(found, Compiled) and found.fingerprint == fingerprint:
        return found, True
    return make(fingerprint), False


def save(target: Path, compiled: Compiled, previous: Path | None = None) -> None:
    """`compiled` into the build at `target`: a hard link to `previous`'s file when that is where it was
    read from, else written."""
    if previous is not None:
        try:
            os.link(previous / FILE, target / FILE)
            return
        except OSError:
            pass
    (target / FILE).write_bytes(pickle.dumps(compiled, protocol=pickle.HIGHEST_PROTOCOL))
