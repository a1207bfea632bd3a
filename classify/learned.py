"""The learned half of the classifier: a linear model over character n-grams.

Trained by `gridbot classify train` (classify/train.py, needs the `[train]` extra) and shipped as
classify/data/model.npz: the kept n-grams, their weights for the seven categories and the three
priorities, the weights of the dictionary features, the biases and a calibration temperature.
Inference needs numpy only: the n-grams of a message are looked up in a dict and their weight
rows summed.

Features of one message (normalised text, see classify/normalise.py):
- every distinct character 1- to `longest`-gram (3 in the shipped model; the file stores it;
  whitespace-only grams skipped), each worth
  1/sqrt(number of distinct grams), so that long and short messages weigh alike;
- the dictionary's view (classify/keywords.toml): per category min(score, 8) / 4, and two flags
  for a surviving urgent or high boost. Editing keywords.toml therefore moves the model too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classify.model import CATEGORY_ORDER, Category, Priority, Scores

DEFAULT_MODEL = Path(__file__).with_name("data") / "model.npz"
PRIORITY_ORDER: tuple[Priority, ...] = (Priority.NORMAL, Priority.HIGH, Priority.URGENT)
DICTIONARY_FEATURES = len(CATEGORY_ORDER) + 2
_SPACE = re.compile(r"\s")


def ngrams(norm: str, longest: int = 3) -> set[str]:
    """The distinct character 1..`longest`-grams of a normalised message, whitespace-only ones
    left out."""
    grams = set(norm)
    for n in range(2, longest + 1):
        grams.update([norm[i : i + n] for i in range(len(norm) - n + 1)])
    if _SPACE.search(norm):
        grams.difference_update([g for g in grams if g.isspace()])
    return grams


def dictionary_features(scored: Scores) -> list[float]:
    """The dictionary's scores and boosts as model inputs (fixed order, see module doc)."""
    values = [min(scored.scores.get(c, 0.0), 8.0) / 4.0 for c in CATEGORY_ORDER]
    boosts = set(scored.boost.values())
    values.append(1.0 if Priority.URGENT in boosts else 0.0)
    values.append(1.0 if Priority.HIGH in boosts else 0.0)
    return values


def _softmax(logits: list[float], temperature: float = 1.0) -> list[float]:
    """Softmax of a handful of values in plain Python (faster than numpy at this size)."""
    top = max(logits)
    shifted = [math.exp((x - top) / temperature) for x in logits]
    total = sum(shifted)
    return [x / total for x in shifted]


@dataclass(frozen=True)
class Prediction:
    """Calibrated probabilities, in CATEGORY_ORDER and PRIORITY_ORDER."""

    categories: tuple[float, ...]
    priorities: tuple[float, ...]

    def of(self, category: Category) -> float:
        return self.categories[_POSITION[category]]


_POSITION = {c: i for i, c in enumerate(CATEGORY_ORDER)}


class LinearModel:
    """Loaded weights; immutable after construction and safe to share between threads."""

    def __init__(
        self,
        version: str,
        vocabulary: list[str],
        weights: np.ndarray,
        dictionary_weights: np.ndarray,
        bias: np.ndarray,
        temperature: float,
        longest: int = 3,
    ) -> None:
        outputs = len(CATEGORY_ORDER) + len(PRIORITY_ORDER)
        if weights.shape != (len(vocabulary), outputs):
            raise ValueError(f"model weights have shape {weights.shape}")
        if dictionary_weights.shape != (DICTIONARY_FEATURES, outputs):
            raise ValueError(f"dictionary weights have shape {dictionary_weights.shape}")
        self.version = version
        self.index = {gram: i for i, gram in enumerate(vocabulary)}
        self.weights = weights.astype(np.float32)
        self.dictionary_weights = dictionary_weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.temperature = temperature
        self.longest = longest

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL) -> LinearModel:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                version=str(data["version"]),
                vocabulary=[str(g) for g in data["vocabulary"]],
                weights=data["weights"],
                dictionary_weights=data["dictionary_weights"],
                bias=data["bias"],
                temperature=float(data["temperature"]),
                longest=int(data["longest"]) if "longest" in data else 3,
            )

    def save(self, path: str | Path) -> None:
        vocabulary = sorted(self.index, key=self.index.__getitem__)
        np.savez_compressed(
            path,
            version=np.array(self.version),
            vocabulary=np.array(vocabulary),
            weights=self.weights.astype(np.float16),
            dictionary_weights=self.dictionary_weights,
            bias=self.bias,
            temperature=np.array(self.temperature),
            longest=np.array(self.longest),
        )

    def logits(self, scored: Scores) -> np.ndarray:
        """Raw scores: seven category logits, then three priority logits."""
        index = self.index
        grams = ngrams(scored.norm, self.longest)
        rows = [index[g] for g in grams & index.keys()]
        features = np.array(dictionary_features(scored), dtype=np.float32)
        total = self.bias + features @ self.dictionary_weights
        if rows:
            total += self.weights[rows].sum(axis=0) / math.sqrt(len(grams))
        return total

    def predict(self, scored: Scores) -> Prediction:
        total = self.logits(scored).tolist()
        split = len(CATEGORY_ORDER)
        return Prediction(
            categories=tuple(_softmax(total[:split], self.temperature)),
            priorities=tuple(_softmax(total[split:])),
        )
