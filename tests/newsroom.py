"""A newsroom folder as an editor meets it (issue 13): six stories, one republished by
a second outlet with a dateline added, one with a death toll changed from 12 to 15 in a
pasted paragraph, one with a quote pasted twice with curly and straight quotes."""

from __future__ import annotations

from pathlib import Path

BRIDGE = (
    (
        "The Harbour Bridge reopened to traffic on Monday morning after eight months of "
        "repairs that cost the city far more than its engineers had first estimated."
    ),
    (
        "Mayor Lena Ortiz cut the ribbon at seven o'clock as the first buses crossed the "
        "span, telling a small crowd that the wait had been worth it for commuters."
    ),
    (
        "The repairs replaced rusted steel cables and the entire road deck, work that had "
        "been delayed twice by winter storms and a shortage of specialist welders."
    ),
    (
        "City officials said the final bill came to 48 million dollars, nearly twice the "
        "budget the council approved when the bridge was closed last spring."
    ),
    (
        "Traffic on the bridge is expected to return to about 40,000 vehicles a day by the "
        "end of the month, according to the transport department."
    ),
)

STORIES = {
    "bridge-reopens.txt": BRIDGE,
    # The same story republished by a second outlet, with a dateline added.
    "bridge-reopens-dailypost.txt": (f"SPRINGFIELD (Daily Post) - {BRIDGE[0]}", *BRIDGE[1:]),
    "flood-toll.txt": (
        (
            "Floods swept through three villages in the northern valley overnight, and rescue "
            "workers said on Tuesday that 12 people were killed and dozens more were missing "
            "after the river burst its banks following a week of heavy rain across the region."
        ),
        (
            "Army helicopters lifted stranded families from rooftops while volunteers in small "
            "boats searched flooded streets for survivors."
        ),
        (
            "The regional governor declared a state of emergency and asked the national "
            "government for tents, clean water and medical supplies."
        ),
        (
            "Floods swept through three villages in the northern valley overnight, and rescue "
            "workers said on Tuesday that 15 people were killed and dozens more were missing "
            "after the river burst its banks following a week of heavy rain across the region."
        ),
    ),
    "council-quote.txt": (
        (
            "The city council voted on Wednesday to extend the night bus service to the airport "
            "for another year."
        ),
        (
            "“We owe it to the thousands of people who work the night shift at the airport and "
            "have no other way home,” said councillor Amira Haddad."
        ),
        (
            "The service costs about two million dollars a year and carries some 1,500 passengers"
            " a night, according to council figures."
        ),
        (
            '"We owe it to the thousands of people who work the night shift at the airport and '
            'have no other way home," said councillor Amira Haddad.'
        ),
    ),
    "school-lunches.txt": (
        (
            "Primary schools in the district will serve free lunches to every pupil from "
            "September, the education board announced on Thursday."
        ),
        (
            "The programme will cost the board about six million dollars a year and will be paid "
            "for by a new tax on sugary drinks."
        ),
    ),
    "harbour-festival.txt": (
        (
            "The annual harbour festival will return in August with tall ships, a food market and"
            " fireworks over the water on the final night."
        ),
        (
            "Organisers said they expected more than 100,000 visitors over the three days, a "
            "record for the event."
        ),
    ),
}


def newsroom(folder: Path) -> Path:
    """The six stories as text files in `folder` (paragraphs separated by blank lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, paragraphs in STORIES.items():
        (folder / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return folder
