"""Investigative search over stored reads: by plate, pattern, likeness, place and time.

Every search takes a ``Justification`` and refuses to run without a real one.
"""

from plateward.search.cloned import search_cloned
from plateward.search.filters import Filters
from plateward.search.grid import search_polygon, search_radius
from plateward.search.justification import Justification
from plateward.search.plates import plate_timeline, search_partial, search_plate
from plateward.search.results import Area, ClonePair, CommonPlate, ReadHit
from plateward.search.stakeout import search_stakeout
from plateward.search.tolerant import search_tolerant

__all__ = [
    "Area",
    "ClonePair",
    "CommonPlate",
    "Filters",
    "Justification",
    "ReadHit",
    "plate_timeline",
    "search_cloned",
    "search_partial",
    "search_plate",
    "search_polygon",
    "search_radius",
    "search_stakeout",
    "search_tolerant",
]
