"""Message classification for grid group chats: what a message is about and how urgent it is.

Pure and fast (one Aho-Corasick pass per message), driven by an editable keyword dictionary
(classify/keywords.toml) and a learned character n-gram model (classify/data/model.npz) that
together decide open / review / ignore. Nothing here knows about Telegram.
"""

from classify.classifier import (
    DEFAULT_DICTIONARY,
    Classifier,
    default_classifier,
    dictionary_classifier,
)
from classify.cli import classify_lines
from classify.dictionary import Dictionary, load_dictionary, parse_dictionary
from classify.extract import extract_details, mask_phones
from classify.model import CLASSIFIED, Category, Classification, Details, Priority
from classify.normalise import normalise
from classify.reloading import ReloadingClassifier
from classify.validation import DictionaryError

__all__ = [
    "CLASSIFIED",
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
    "dictionary_classifier",
    "extract_details",
    "load_dictionary",
    "mask_phones",
    "normalise",
    "parse_dictionary",
]
