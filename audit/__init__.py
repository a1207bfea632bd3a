"""The staff audit log: every command and button press by staff, with its outcome."""
