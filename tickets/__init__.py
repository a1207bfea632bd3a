"""Message classification for grid group chats: what a message is about and how urgent it is.

Pure and fast (one Aho-Corasick pass per message), driven by an editable keyword dictionary
(tickets/keywords.toml). Nothing here knows about Telegram.
"""

from tickets.classifier import DEFAULT_DICTIONARY, Classifier, default_classifier
from tickets.cli import classify_lines
from tickets.dictionary import Dictionary, load_dictionary, parse_dictionary
from tickets.extract import extract_details, mask_phones
from tickets.model import Category, Classification, Details, Priority
from tickets.normalise import normalise
from tickets.reloading import ReloadingClassifier
from tickets.validation import DictionaryError

__all__ = [
    "DEFAULT_DICTIONARY",
    "Category",
    "Classification",
    "Classifier",
    "Details",
    "Dictionary",
    "DictionaryError",
    "Priority",
    "ReloadingClassifier",
    "classify_lines",
    "default_classifier",
    "extract_details",
    "load_dictionary",
    "mask_phones",
    "normalise",
    "parse_dictionary",
]
