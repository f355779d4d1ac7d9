"""Spotting what looks like real personal details in a learner's text, so that the
page can ask for fictional ones before anything is saved."""

from __future__ import annotations

import re

# What each finding is called in the message to the learner.
CHECKS: tuple[tuple[str, re.Pattern], ...] = (
    ("a phone number", re.compile(
        r"(?<!\d)(?:\+44\s?\(?0?\)?\s?|0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)")),
    ("a postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", re.IGNORECASE)),
    ("a date of birth", re.compile(
        r"\b(?:d\.?o\.?b\.?|date of birth|born on)\b|\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}\b"
        r"|\b\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
        r" (?:19|20)\d{2}\b",
        re.IGNORECASE)),
    ("an address", re.compile(
        r"\b\d{1,4}[a-z]?,? [A-Z][a-z]+(?: [A-Z][a-z]+)? (?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|"
        r"Close|Drive|Dr|Crescent|Court|Ct|Place|Pl|Gardens|Way|Terrace|Grove|Park|View|Square)\b")),
)  # fmt: skip

# Two capitalised words together look like a full name, unless the first is an
# ordinary word that happens to start a sentence.
FULL_NAME = re.compile(r"\b([A-Z][a-z]{1,20})\s([A-Z][a-z]{1,20}(?:-[A-Z][a-z]+)?)\b")
SENTENCE_STARTERS = {
    "What", "How", "When", "Where", "Why", "Who", "Tell", "The", "She", "He", "His", "Her",
    "If", "It", "This", "That", "Can", "Could", "Would", "Have", "Has", "Do", "Did", "Is",
    "Are", "You", "We", "They", "There", "Instead", "Rather", "Thank", "Thanks", "Let", "Our",
    "Your", "My", "And", "But", "So", "After", "Before", "Since", "As", "At", "On", "In",
    "Today", "Yesterday", "Last", "Next", "Please", "Sorry", "Hello", "Hi", "Dear", "Ask",
    "Asking", "Both", "Actions", "Worker", "Met", "Spoke",
}  # fmt: skip
NOT_NAMES = {
    "I", "Mum", "Dad", "Social", "Work", "Police", "Scotland", "England", "Wales", "Ireland",
    "Northern", "Children", "Hearing", "Reporter", "Safe", "Together", "Child", "Protection",
    "Women", "Aid", "Mr", "Mrs", "Ms", "Miss", "Dr", "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday", "Sunday", "Christmas", "Easter", "School", "Nursery",
    "Primary", "High", "Health", "Visitor", "Family", "Support", "Services", "Council", "NHS",
    "GP", "MARAC", "MATAC", "GIRFEC", "Equally", "Champion", "Core", "Training",
    "Street", "Road", "Avenue", "Lane", "Close", "Drive", "Crescent", "Court", "Place",
    "Gardens", "Way", "Terrace", "Grove", "Park", "View", "Square",
}  # fmt: skip


def personal_details(text: str) -> list[str]:
    """What in the text looks like a real person's details (empty when nothing does)."""
    found = [name for name, pattern in CHECKS if pattern.search(text)]
    for match in FULL_NAME.finditer(text):
        first, last = match.groups()
        if first not in NOT_NAMES | SENTENCE_STARTERS and last not in NOT_NAMES:
            found.append("a full name")
            break
    return found
