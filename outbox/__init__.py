"""One way out: every message the bot sends is a row written in the same transaction as the
change that caused it (outbox/write.py), delivered after the commit by the courier
(outbox/courier.py) within the bot's send budget."""
