"""The grid worker's day: work log, duty checklist, daily headcount and the staff audit log.

Services only (no Telegram imports); handlers/work.py and bot/headcount_prompts.py talk to people.
"""
