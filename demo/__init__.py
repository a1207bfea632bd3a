"""The scripted demo: a district, the emulator and the real bot, played and narrated."""
