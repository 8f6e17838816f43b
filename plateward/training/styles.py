"""How US plates look, state by state: enough for the renderer to draw plausible ones.

Each state gets its name, a slogan, the colours of its common passenger series and which
characters its serials use (``formats.US_STATE_FORMATS``). The colours are approximations
from public photographs of the plates; the renderer also draws plates in random colours, so
the model does not learn to read a state's colours instead of its characters. Non-US layouts
(EU, Mercosur and older Brazilian and Argentine plates) are here too, so that training on US
plates does not erase what the reader knows of those.
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]

WHITE: RGB = (245, 245, 240)
BLACK: RGB = (20, 20, 25)
NAVY: RGB = (25, 40, 110)
RED: RGB = (170, 30, 35)
GREEN: RGB = (20, 100, 60)
YELLOW: RGB = (240, 200, 40)
BLUE: RGB = (40, 80, 170)
MAROON: RGB = (110, 25, 40)


@dataclass(frozen=True)
class StateStyle:
    name: str
    slogan: str
    background: tuple[RGB, ...]
    """Top to bottom: one colour is flat, more are a vertical gradient."""
    text: RGB
    header: RGB


US_STATES: dict[str, StateStyle] = {
    "al": StateStyle("Alabama", "Stars Fell on Alabama", (WHITE, (200, 220, 240)), NAVY, RED),
    "ak": StateStyle("ALASKA", "The Last Frontier", (YELLOW,), NAVY, NAVY),
    "az": StateStyle(
        "ARIZONA", "Grand Canyon State", ((250, 220, 170), (230, 150, 90)), GREEN, MAROON
    ),
    "ar": StateStyle("Arkansas", "The Natural State", (WHITE, (230, 240, 250)), NAVY, RED),
    "ca": StateStyle("California", "DMV.CA.GOV", (WHITE,), NAVY, RED),
    "co": StateStyle("COLORADO", "", (WHITE, (60, 130, 80)), GREEN, WHITE),
    "ct": StateStyle("Connecticut", "Constitution State", (WHITE, (170, 200, 240)), NAVY, NAVY),
    "de": StateStyle("DELAWARE", "THE FIRST STATE", (NAVY,), (220, 180, 90), (220, 180, 90)),
    "dc": StateStyle(
        "DISTRICT OF COLUMBIA", "Taxation Without Representation", (WHITE,), RED, BLUE
    ),
    "fl": StateStyle("MYFLORIDA.COM", "SUNSHINE STATE", (WHITE,), GREEN, GREEN),
    "ga": StateStyle("GEORGIA", "IN GOD WE TRUST", (WHITE, (250, 230, 200)), BLACK, BLACK),
    "hi": StateStyle("HAWAII", "Aloha State", (WHITE,), BLACK, BLACK),
    "id": StateStyle("IDAHO", "Famous Potatoes", ((240, 230, 230), (120, 160, 200)), MAROON, RED),
    "il": StateStyle("Illinois", "Land of Lincoln", (WHITE, (210, 220, 240)), MAROON, BLUE),
    "in": StateStyle("INDIANA", "IN GOD WE TRUST", (WHITE, (200, 220, 240)), NAVY, NAVY),
    "ia": StateStyle("IOWA", "", (WHITE, (160, 200, 230)), BLACK, BLUE),
    "ks": StateStyle("KANSAS", "", (WHITE, (170, 200, 230)), NAVY, NAVY),
    "ky": StateStyle("Kentucky", "Unbridled Spirit", (WHITE, (200, 220, 240)), NAVY, NAVY),
    "la": StateStyle("Louisiana", "Sportsman's Paradise", (WHITE,), NAVY, RED),
    "me": StateStyle("MAINE", "VACATIONLAND", (WHITE,), BLACK, BLUE),
    "md": StateStyle("MARYLAND", "", (WHITE,), BLACK, RED),
    "ma": StateStyle("Massachusetts", "The Spirit of America", (WHITE,), RED, BLUE),
    "mi": StateStyle("MICHIGAN", "Pure Michigan", (WHITE,), NAVY, NAVY),
    "mn": StateStyle("MINNESOTA", "10,000 lakes", (WHITE, (190, 210, 240)), NAVY, NAVY),
    "ms": StateStyle("MISSISSIPPI", "", ((230, 235, 245),), NAVY, NAVY),
    "mo": StateStyle("MISSOURI", "Show-Me State", (WHITE, (200, 220, 240)), NAVY, NAVY),
    "mt": StateStyle("MONTANA", "Treasure State", ((40, 50, 90),), WHITE, WHITE),
    "ne": StateStyle("NEBRASKA", "The Good Life", (WHITE, (180, 210, 180)), NAVY, NAVY),
    "nv": StateStyle("NEVADA", "The Silver State", ((230, 235, 245), (180, 190, 220)), NAVY, NAVY),
    "nh": StateStyle("NEW HAMPSHIRE", "LIVE FREE OR DIE", (WHITE, (220, 240, 230)), GREEN, GREEN),
    "nj": StateStyle("New Jersey", "Garden State", ((245, 230, 180),), BLACK, BLACK),
    "nm": StateStyle("NEW MEXICO", "LAND OF ENCHANTMENT", (YELLOW,), RED, RED),
    "ny": StateStyle("NEW YORK", "EMPIRE STATE", (WHITE, (240, 210, 110)), NAVY, NAVY),
    "nc": StateStyle("NORTH CAROLINA", "First in Flight", (WHITE,), NAVY, RED),
    "nd": StateStyle("NORTH DAKOTA", "Legendary", (WHITE, (220, 200, 150)), NAVY, NAVY),
    "oh": StateStyle("OHIO", "Birthplace of Aviation", (WHITE, (230, 220, 200)), BLACK, RED),
    "ok": StateStyle("OKLAHOMA", "Native America", (WHITE, (180, 210, 230)), NAVY, NAVY),
    "or": StateStyle("OREGON", "", (WHITE, (200, 230, 200)), NAVY, NAVY),
    "pa": StateStyle("PENNSYLVANIA", "visitPA.com", (WHITE, (250, 220, 120)), NAVY, NAVY),
    "ri": StateStyle("RHODE ISLAND", "Ocean State", (WHITE, (160, 200, 230)), NAVY, NAVY),
    "sc": StateStyle(
        "South Carolina", "TRAVEL2SC.COM", ((250, 220, 160), (210, 230, 250)), BLACK, NAVY
    ),
    "sd": StateStyle(
        "SOUTH DAKOTA", "Great Faces. Great Places.", (WHITE, (220, 200, 170)), MAROON, MAROON
    ),
    "tn": StateStyle("Tennessee", "The Volunteer State", (WHITE,), BLACK, BLACK),
    "tx": StateStyle("TEXAS", "The Lone Star State", (WHITE,), BLACK, BLACK),
    "ut": StateStyle("UTAH", "Life Elevated", (WHITE, (210, 160, 120)), BLACK, RED),
    "vt": StateStyle("VERMONT", "GREEN MOUNTAIN STATE", (GREEN,), WHITE, WHITE),
    "va": StateStyle("VIRGINIA", "", (WHITE,), NAVY, NAVY),
    "wa": StateStyle("Washington", "", (WHITE, (200, 220, 240)), NAVY, NAVY),
    "wv": StateStyle("WEST VIRGINIA", "Wild Wonderful", (WHITE,), NAVY, NAVY),
    "wi": StateStyle("WISCONSIN", "America's Dairyland", (WHITE,), BLACK, RED),
    "wy": StateStyle("WYOMING", "", (WHITE, (220, 220, 200)), BLACK, MAROON),
}

SPECIAL_TYPES: tuple[str, ...] = (
    "COMMERCIAL",
    "TRUCK",
    "TRAILER",
    "FARM",
    "FLEET",
    "EXEMPT",
    "DEALER",
    "TEMPORARY",
    "APPORTIONED",
    "TAXI",
    "BUS",
    "OFFICIAL",
    "STATE OF",
    "DISABLED VETERAN",
    "AMATEUR RADIO",
    "ANY COUNTY",
    "IN GOD WE TRUST",
)
"""Words that stand at the bottom of commercial, government and special plates."""

GOVERNMENT_HEADERS: tuple[str, ...] = (
    "U.S. GOVERNMENT",
    "FOR OFFICIAL USE ONLY",
    "STATE OWNED",
    "MUNICIPAL",
    "POLICE",
    "COUNTY",
)
