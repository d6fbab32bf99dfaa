"""Choices for the agency form: US states and territories, time zones with US zones first."""

from __future__ import annotations

from zoneinfo import available_timezones

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
US_ZONES = {
    "America/New_York": "Eastern (New York)",
    "America/Chicago": "Central (Chicago)",
    "America/Denver": "Mountain (Denver)",
    "America/Phoenix": "Mountain, no daylight saving (Phoenix)",
    "America/Los_Angeles": "Pacific (Los Angeles)",
    "America/Anchorage": "Alaska (Anchorage)",
    "Pacific/Honolulu": "Hawaii (Honolulu)",
    "America/Puerto_Rico": "Atlantic (Puerto Rico)",
    "Pacific/Guam": "Chamorro (Guam)",
}


def state_choices() -> list[SelectChoice]:
    """Blank first (the admin must choose), then every state by name."""
    by_name = sorted(STATES.items(), key=lambda item: item[1])
    return [SelectChoice("", "Choose a state"), *(SelectChoice(c, n) for c, n in by_name)]


def zone_choices() -> list[SelectChoice]:
    """US zones first, then every other zone the system knows, in option groups."""
    others = sorted(zone for zone in available_timezones() if zone not in US_ZONES)
    return [
        *(SelectChoice(zone, label, optgroup="United States") for zone, label in US_ZONES.items()),
        *(SelectChoice(zone, zone.replace("_", " "), optgroup="Other zones") for zone in others),
    ]
