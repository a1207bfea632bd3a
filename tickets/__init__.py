"""The ticket workflow: opening and de-duplication, routing up the tree, staff actions,
deadlines and escalation, missing-person alerts, and the reporter's rating."""
