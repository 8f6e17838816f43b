"""Matching reads against the active hot list entries: pure, in memory, shared by server and edge.

The server matches every read of every batch in the batch's own request, and a patrol car's
edge agent matches on the spot with no network, so the matcher holds the entries in memory and
answers a read in microseconds (bench/hotlist.py):

- plates: one dictionary lookup per read text (the plate and each alternative);
- patterns: indexed by as many of their fixed characters as their shape lets a read name in
  one lookup. A pattern of fixed length (``7A?C234``) is keyed by all its fixed characters at
  their places, so a read looks up its own characters at those places (masked) and meets only
  the patterns it matches; one anchored at the start (``7ABC2*``) or the end (``*C234``) by
  what it fixes there; a floating one (``*KX?9*``) by a piece of its fixed characters up to
  four long, so a read looks up its own pieces and tests only the few patterns that share one;
- look-alikes, for lists that switch tolerance on: every character is folded to a coarse class
  of the look-alike table (0/O/D/Q/U/..., 1/I/L/T/7/..., 8/B/3, ...), so the entries that could
  be a read's look-alike sit under the read's folded key; each is then checked exactly with
  the search's own rule (``search.likeness.lookalike_swaps``), which also names the characters
  that differ.

Entries change by revision (``lists.py`` stamps each change): the owner applies the changed
entries with ``put`` and ``remove`` instead of rebuilding a million-entry index.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from plateward.hotlist.rules import read_state
from plateward.recognition.confusions import CONFUSION_CLASSES
from plateward.search.likeness import lookalike_swaps
from plateward.search.patterns import ANY, ONE

GRAM_CHARS = 4
"""Longest piece of a floating pattern's fixed characters used as its index key: four, because
a three-character key (``7AB``, ``123``) is shared by most plates on the road, so nearly every
read had a pattern to test; with four, about one in five has (bench/hotlist.py)."""

MAX_SHAPES = 32
"""Most shapes (anchor, length, fixed places) keyed by position: each costs every read one
lookup, so a list of oddly varied patterns past this many falls back to pieces."""


class MatchKind(StrEnum):
    EXACT = "exact"
    PATTERN = "pattern"
    LOOKALIKE = "lookalike"


@dataclass(frozen=True, slots=True)
class ListRule:
    """How one list matches: per list, because an NCIC extract and a BOLO list differ."""

    list_id: int
    agency_id: int
    """The owner agency: its cameras' reads are matched against the list."""
    all_agencies: bool = False
    """Every agency's cameras match against it (a statewide extract)."""
    tolerant: bool = False
    """Also alert on look-alike readings (0/O, 8/B, ...) of the list's plates."""
    state_must_agree: bool = True
    """When the read and the entry both name a state, they must name the same one."""
    active: bool = True
    stale_after: float | None = None
    """Epoch seconds after which the list no longer matches (its refresh has stopped)."""


@dataclass(frozen=True, slots=True)
class Watch:
    """An entry as the matcher needs it: what to look for, where it belongs, when it counts."""

    entry_id: int
    list_id: int
    plate: str
    """A plate (A-Z0-9) or a pattern with ``?`` and ``*``."""
    state: str | None
    starts_at: float | None
    """Epoch seconds; None: from the start."""
    expires_at: float | None
    """Epoch seconds; None: until removed."""


@dataclass(frozen=True, slots=True)
class ReadToMatch:
    plate: str
    alternatives: Sequence[str] = ()
    region: str | None = None
    region_confidence: float | None = None
    agency_id: int | None = None
    """The agency whose camera made the read; None matches every list (the edge agent holds
    only the lists its camera may match)."""


@dataclass(frozen=True, slots=True)
class Match:
    entry_id: int
    list_id: int
    kind: MatchKind
    read_text: str
    """What was read that matched: the plate, or one of its alternatives."""
    via_alternative: bool
    differing: tuple[int, ...] = ()
    """Positions where a look-alike reading differs from the entry's plate."""


def _fold_table() -> dict[int, int]:
    """Each character mapped to one representative of its look-alike component."""
    parent: dict[str, str] = {}

    def root(c: str) -> str:
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for group in CONFUSION_CLASSES:
        for a, b in itertools.pairwise(group):
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    chars = {c for group in CONFUSION_CLASSES for c in group}
    return {ord(c): ord(root(c)) for c in chars}


_FOLD = _fold_table()


def fold(plate: str) -> str:
    """The plate with look-alike characters made one (a coarse key, checked exactly after)."""
    return plate.translate(_FOLD)


ShapeId = tuple[str, int, tuple[int, ...]]
"""Where a shape reads a plate: ``whole`` (the plate, of exactly that length), ``head`` (its
first characters) or ``tail`` (its last), that many characters long, and the places in them
that the patterns fix."""


@dataclass(frozen=True, slots=True)
class _Pattern:
    watch: Watch
    regex: re.Pattern[str]
    min_len: int
    max_len: int | None

    @property
    def entry_id(self) -> int:
        return self.watch.entry_id


@dataclass(slots=True)
class _Shape:
    """Patterns keyed by the characters they fix at known places of a plate's whole, head or
    tail: a read's key is its own characters at those places, so the lookup is the match but
    for what lies outside the anchored part."""

    anchor: str
    length: int
    part: Callable[[str], str]
    """The characters at the shape's places of a plate long enough (of exactly ``length``
    for ``whole``); of a shorter plate, fewer than any key has."""
    table: dict[str, list[_Pattern]]

    def key(self, plate: str) -> str:
        if self.anchor == "whole" and len(plate) != self.length:
            return ""
        return self.part(plate)


def _part_function(shape_id: ShapeId) -> Callable[[str], str]:
    """Slices of the plate, one per run of fixed places: for the usual one or two runs, a
    slice or two and a concatenation, which a read pays once per shape on every batch."""
    anchor, length, places = shape_id
    runs: list[list[int]] = []
    for place in places:
        if runs and runs[-1][1] == place:
            runs[-1][1] = place + 1
        else:
            runs.append([place, place + 1])
    if anchor == "tail":
        runs = [[a - length, b - length] for a, b in runs]
    cuts = [slice(a, b if anchor != "tail" or b else None) for a, b in runs]
    if len(cuts) == 1:
        (first,) = cuts
        return lambda plate: plate[first]
    if len(cuts) == 2:
        first, second = cuts
        return lambda plate: plate[first] + plate[second]
    return lambda plate: "".join([plate[cut] for cut in cuts])


def _compile(pattern: str) -> re.Pattern[str]:
    body = "".join("." if c == ONE else ".*" if c == ANY else c for c in pattern)
    return re.compile(body)


def _gram_key(pattern: str) -> str:
    """The first ``GRAM_CHARS`` characters of the pattern's longest run of fixed characters."""
    runs: list[str] = re.findall(r"[A-Z0-9]+", pattern)
    longest = max(runs, key=len)
    return longest[:GRAM_CHARS]


def _placed_key(pattern: str) -> tuple[ShapeId, str] | None:
    """The pattern's best key by position, or None when a piece says as much.

    A pattern without ``*`` fixes characters at known places of the whole plate; one without
    a leading ``*`` at known places of the head (up to its first ``*``), one without a
    trailing ``*`` of the tail. The key with most fixed characters wins, the whole plate on
    a tie (it also fixes the length); a piece keeps patterns whose anchored parts fix fewer
    characters than the piece would (``*ABC2?4*``, ``?*ABCD*``).
    """
    options: list[tuple[int, ShapeId, str]] = []
    if ANY not in pattern:
        options.append((0, ("whole", len(pattern), ()), pattern))
    else:
        head, _, rest = pattern.partition(ANY)
        tail = rest.rpartition(ANY)[2]
        if head:
            options.append((1, ("head", len(head), ()), head))
        if tail:
            options.append((2, ("tail", len(tail), ()), tail))
    best: tuple[int, int, ShapeId, str] | None = None
    for rank, (anchor, length, _), part in options:
        places = tuple(i for i, c in enumerate(part) if c != ONE)
        if len(places) < 3:
            continue
        candidate = (-len(places), rank, (anchor, length, places), "".join(part[i] for i in places))
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    if best is None or -best[0] < len(_gram_key(pattern)):
        return None
    return best[2], best[3]


class Matcher:
    """The active entries of every list, indexed by plate, by place, by piece and by folded
    plate; not thread-safe for writes.

    The server applies changes under its own lock and swaps nothing: ``match`` only reads
    dictionaries, and CPython's dictionary reads are safe beside a single writer.
    """

    def __init__(
        self,
        lists: Iterable[ListRule] = (),
        watches: Iterable[Watch] = (),
        *,
        max_swaps: int = 1,
        state_confidence: float = 0.8,
    ) -> None:
        self.max_swaps = max_swaps
        self.state_confidence = state_confidence
        self.revision = 0
        self.lists: dict[int, ListRule] = {}
        self._by_id: dict[int, Watch] = {}
        self._exact: dict[str, list[Watch]] = {}
        self._exact_plates: set[str] = set()
        """The keys of ``_exact``, for the batch screen."""
        self._folded: dict[str, list[Watch]] = {}
        self._shapes: dict[ShapeId, _Shape] = {}
        self._patterns: dict[str, list[_Pattern]] = {}
        """Floating patterns, by a piece of their fixed characters (a gram)."""
        self._slots: dict[int, tuple[ShapeId | None, str]] = {}
        """Where each pattern is indexed: a shape and its key there, or None and a piece."""
        self._gram_counts: dict[int, int] = {}
        """How many patterns are keyed by pieces of each length: only those are looked up."""
        self._gram_sizes: list[int] = []
        for rule in lists:
            self.lists[rule.list_id] = rule
        for watch in watches:
            self.put(watch)

    def __len__(self) -> int:
        return len(self._by_id)

    def set_list(self, rule: ListRule) -> None:
        """Add or change a list's rule; a list that becomes tolerant gets its folded keys."""
        before = self.lists.get(rule.list_id)
        self.lists[rule.list_id] = rule
        if (before is None and rule.tolerant) or (
            before is not None and before.tolerant != rule.tolerant
        ):
            for watch in [w for w in self._by_id.values() if w.list_id == rule.list_id]:
                self.remove(watch.entry_id)
                self.put(watch)

    def drop_list(self, list_id: int) -> None:
        for watch in [w for w in self._by_id.values() if w.list_id == list_id]:
            self.remove(watch.entry_id)
        self.lists.pop(list_id, None)

    def put(self, watch: Watch) -> None:
        """Add an entry, or replace the one with its id."""
        if watch.entry_id in self._by_id:
            self.remove(watch.entry_id)
        self._by_id[watch.entry_id] = watch
        if ONE in watch.plate or ANY in watch.plate:
            self._put_pattern(watch)
            return
        self._exact.setdefault(watch.plate, []).append(watch)
        self._exact_plates.add(watch.plate)
        rule = self.lists.get(watch.list_id)
        if rule is not None and rule.tolerant:
            self._folded.setdefault(fold(watch.plate), []).append(watch)

    def remove(self, entry_id: int) -> None:
        watch = self._by_id.pop(entry_id, None)
        if watch is None:
            return
        if ONE in watch.plate or ANY in watch.plate:
            self._remove_pattern(watch)
            return
        _discard(self._exact, watch.plate, entry_id)
        if watch.plate not in self._exact:
            self._exact_plates.discard(watch.plate)
        _discard(self._folded, fold(watch.plate), entry_id)

    def _put_pattern(self, watch: Watch) -> None:
        entry = _Pattern(
            watch,
            _compile(watch.plate),
            len(watch.plate.replace(ANY, "")),
            None if ANY in watch.plate else len(watch.plate),
        )
        placed = _placed_key(watch.plate)
        if placed is not None:
            shape_id, key = placed
            shape = self._shapes.get(shape_id)
            if shape is None and len(self._shapes) < MAX_SHAPES:
                anchor, length, _ = shape_id
                shape = _Shape(anchor, length, _part_function(shape_id), {})
                self._shapes[shape_id] = shape
            if shape is not None:
                shape.table.setdefault(key, []).append(entry)
                self._slots[watch.entry_id] = placed
                return
        key = _gram_key(watch.plate)
        self._patterns.setdefault(key, []).append(entry)
        self._slots[watch.entry_id] = (None, key)
        self._gram_counts[len(key)] = self._gram_counts.get(len(key), 0) + 1
        self._gram_sizes = sorted(self._gram_counts)

    def _remove_pattern(self, watch: Watch) -> None:
        shape_id, key = self._slots.pop(watch.entry_id)
        if shape_id is not None:
            shape = self._shapes[shape_id]
            _discard(shape.table, key, watch.entry_id)
            if not shape.table:
                del self._shapes[shape_id]
            return
        _discard(self._patterns, key, watch.entry_id)
        self._gram_counts[len(key)] -= 1
        if not self._gram_counts[len(key)]:
            del self._gram_counts[len(key)]
        self._gram_sizes = sorted(self._gram_counts)

    def worth_matching(
        self, plates: Sequence[str], alternatives: Sequence[Sequence[str]]
    ) -> list[int]:
        """The positions of the reads that some entry could match; ``match`` decides which.

        A batch of reads is screened with set operations (run in C) before any read is
        matched one by one: nearly every read on the road matches nothing, and building its
        ``ReadToMatch`` and calling ``match`` cost more than the lookups themselves. The
        plates are looked up in a set of the entries' plates rather than in ``_exact``: a
        million-entry table is far bigger than the processor's cache, and a set's lookup
        touches one table where a dictionary's touches two (3x faster). A read
        passes when its plate or an alternative is an entry's plate, a piece of its plate
        keys a pattern (its characters at a shape's places, or a piece), or its folded plate
        keys a look-alike.
        """
        if len(plates) != len(alternatives):
            raise ValueError("one list of alternatives per plate")
        plates_set = set(plates)
        passing = self._exact_plates.intersection(plates_set)
        alternatives_passing = self._exact_plates.intersection(
            [a for alts in alternatives for a in alts]
        )
        # map and compress keep the loops in C; a key cut from a plate of another length
        # may pass a read that no pattern matches, never skip one that does.
        distinct = list(plates_set)
        for shape in self._shapes.values():
            passing.update(
                itertools.compress(
                    distinct, map(shape.table.__contains__, map(shape.part, distinct))
                )
            )
        if self._gram_sizes:
            has_piece = self._patterns.__contains__
            longest = max(map(len, distinct), default=0)
            for size in self._gram_sizes:
                for i in range(longest - size + 1):
                    pieces = [plate[i : i + size] for plate in distinct]
                    passing.update(itertools.compress(distinct, map(has_piece, pieces)))
        if self._folded:
            passing.update(
                itertools.compress(distinct, map(self._folded.__contains__, map(fold, distinct)))
            )
        found = [i for i, plate in enumerate(plates) if plate in passing]
        if alternatives_passing:
            found.extend(
                i for i, alts in enumerate(alternatives)
                if not alternatives_passing.isdisjoint(alts) and plates[i] not in passing
            )  # fmt: skip
            found.sort()
        return found

    def match(self, read: ReadToMatch, at: float) -> list[Match]:
        """Every active entry this read matches, one match per entry, the strongest kept.

        Strength: the plate itself before an alternative; exact before pattern before
        look-alike. ``at`` is the time of matching, in epoch seconds. Written for speed: most
        reads match nothing, so nothing is built for them but a few dictionary lookups.

        Alternatives (the reader's second guesses) are looked up as plates only: a pattern or
        a look-alike is already a guess, and a guess applied to a guess alerts on traffic
        that merely resembles an entry twice over.
        """
        found: dict[int, Match] = {}
        exact = self._exact
        text = read.plate
        for watch in exact.get(text, ()):
            self._keep(found, watch, read, at, MatchKind.EXACT, text, False)
        for alternative in read.alternatives:
            for watch in exact.get(alternative, ()):
                self._keep(found, watch, read, at, MatchKind.EXACT, alternative, True)
        n = len(text)
        for shape in self._shapes.values():
            for pattern in shape.table.get(shape.key(text), ()):
                if pattern.regex.fullmatch(text):
                    self._keep(found, pattern.watch, read, at, MatchKind.PATTERN, text, False)
        if self._gram_sizes:
            patterns = self._patterns
            for size in self._gram_sizes:
                for i in range(n - size + 1):
                    for pattern in patterns.get(text[i : i + size], ()):
                        if (
                            n >= pattern.min_len
                            and (pattern.max_len is None or n <= pattern.max_len)
                            and pattern.regex.fullmatch(text)
                        ):
                            self._keep(found, pattern.watch, read, at, MatchKind.PATTERN, text,
                                       False)  # fmt: skip
        if self._folded:
            for watch in self._folded.get(fold(read.plate), ()):
                if watch.entry_id in found:
                    continue
                swaps = lookalike_swaps(read.plate, watch.plate)
                if swaps is not None and 0 < swaps <= self.max_swaps:
                    differing = tuple(
                        i for i, (a, b) in enumerate(zip(read.plate, watch.plate, strict=True))
                        if a != b
                    )  # fmt: skip
                    self._keep(found, watch, read, at, MatchKind.LOOKALIKE, read.plate, False,
                               differing)  # fmt: skip
        if not found:
            return []
        return sorted(found.values(), key=lambda m: m.entry_id)

    def _read_state(self, read: ReadToMatch) -> str | None:
        if read.region_confidence is not None and read.region_confidence < self.state_confidence:
            return None
        return read_state(read.region)

    def _keep(
        self, found: dict[int, Match], watch: Watch, read: ReadToMatch, at: float,
        kind: MatchKind, text: str, via_alternative: bool, differing: tuple[int, ...] = (),
    ) -> None:  # fmt: skip
        if watch.entry_id in found:
            return
        if watch.starts_at is not None and at < watch.starts_at:
            return
        if watch.expires_at is not None and at >= watch.expires_at:
            return
        rule = self.lists.get(watch.list_id)
        if rule is None or not rule.active:
            return
        if rule.stale_after is not None and at >= rule.stale_after:
            return
        if (
            read.agency_id is not None
            and not rule.all_agencies
            and rule.agency_id != read.agency_id
        ):
            return
        if rule.state_must_agree and watch.state:
            state = self._read_state(read)
            if state and state != watch.state:
                return
        found[watch.entry_id] = Match(
            watch.entry_id, watch.list_id, kind, text, via_alternative, differing
        )


class _Entry(Protocol):
    @property
    def entry_id(self) -> int: ...


_E = TypeVar("_E", bound=_Entry)


def _discard(index: dict[str, list[_E]], key: str, entry_id: int) -> None:
    kept = [item for item in index.get(key, ()) if item.entry_id != entry_id]
    if kept:
        index[key] = kept
    else:
        index.pop(key, None)
