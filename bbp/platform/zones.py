"""Choices for the agency form: US states and territories, and the US time zones they use."""

from __future__ import annotations

from wtforms import SelectChoice

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "AS": "American Samoa",
    "GU": "Guam", "MP": "Northern Mariana Islands", "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands",
}  # fmt: skip
# One zone per distinct present-day US clock, covering every state and territory in STATES
# (links such as America/St_Thomas or Pacific/Saipan keep the same time as the zone shown).
US_ZONES = {
    "America/New_York": "Eastern (New York)",
    "America/Chicago": "Central (Chicago)",
    "America/Denver": "Mountain (Denver)",
    "America/Phoenix": "Mountain, no daylight saving (Phoenix)",
    "America/Los_Angeles": "Pacific (Los Angeles)",
    "America/Anchorage": "Alaska (Anchorage)",
    "America/Adak": "Hawaii-Aleutian (Adak, Aleutian Islands)",
    "Pacific/Honolulu": "Hawaii (Honolulu)",
    "America/Puerto_Rico": "Atlantic (Puerto Rico, U.S. Virgin Islands)",
    "Pacific/Guam": "Chamorro (Guam, Northern Mariana Islands)",
    "Pacific/Pago_Pago": "Samoa (American Samoa)",
}


def state_choices() -> list[SelectChoice]:
    """Blank first (the admin must choose), then every state by name."""
    by_name = sorted(STATES.items(), key=lambda item: item[1])
    return [SelectChoice("", "Choose a state"), *(SelectChoice(c, n) for c, n in by_name)]


def zone_choices() -> list[SelectChoice]:
    """The US zones by friendly name: a new agency is always in a US state or territory."""
    return [SelectChoice(zone, label) for zone, label in US_ZONES.items()]


def zone_label(zone: str) -> str:
    """A zone's friendly name, or its IANA name for a zone an older agency holds from before."""
    return US_ZONES.get(zone) or zone.replace("_", " ")
