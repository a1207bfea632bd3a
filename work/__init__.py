"""The grid worker's day: work log, duty checklist and the daily headcount.

Services only (no Telegram imports); handlers/work.py and handlers/headcount*.py talk to people.
"""
