"""A classifier that follows edits to its dictionary file without a restart."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from classify.classifier import Classifier
from classify.decide import DEFAULT_THRESHOLDS, Thresholds
from classify.learned import LinearModel
from classify.model import Classification
from classify.validation import DictionaryError

log = logging.getLogger("gridbot.tickets")


class ReloadingClassifier:
    """Checks the dictionary file's mtime at most every `interval` seconds and rebuilds on change.

    The first load must succeed (it raises `DictionaryError`). A later broken edit keeps the
    previous dictionary and logs one error naming the file and the problem; fixing the file (any
    new mtime) is picked up on the next check.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        model: LinearModel | None = None,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.path = Path(path)
        self.model = model  # loaded once; only the dictionary follows edits
        self.thresholds = thresholds
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._mtime = self._stat()
        self._classifier = self._build()
        self._checked = clock()
        self._failed_mtime: int | None = None

    def _build(self) -> Classifier:
        return Classifier.from_file(self.path, self.model, self.thresholds)

    def _stat(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return None

    @property
    def classifier(self) -> Classifier:
        """The current classifier, after a reload check if one is due."""
        self.maybe_reload()
        return self._classifier

    def classify(self, text: str) -> Classification:
        return self.classifier.classify(text)

    def maybe_reload(self, *, force: bool = False) -> bool:
        """Rebuild if the file changed; True when a new dictionary was installed."""
        now = self._clock()
        if not force and now - self._checked < self.interval:
            return False
        if not self._lock.acquire(blocking=False):
            return False  # another thread is already checking
        try:
            self._checked = now
            mtime = self._stat()
            if mtime == self._mtime or (mtime is not None and mtime == self._failed_mtime):
                return False
            return self._reload(mtime)
        finally:
            self._lock.release()

    def _reload(self, mtime: int | None) -> bool:
        try:
            fresh = self._build()
        except DictionaryError as exc:
            if mtime is None or mtime != self._failed_mtime:
                log.error("keyword dictionary not reloaded, keeping the previous one: %s", exc)
            self._failed_mtime = mtime
            return False
        self._classifier = fresh
        self._mtime = mtime
        self._failed_mtime = None
        log.info("keyword dictionary reloaded from %s", self.path)
        return True
