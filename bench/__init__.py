"""Speed targets as scripts (`python bench/NAME.py`); each prints one JSON object last.

A package so that the scripts can import each other as `bench.*` and type-check as one tree.
"""
