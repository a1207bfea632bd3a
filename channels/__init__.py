"""Where messages leave: the channel port the domain speaks to, and one adapter per platform."""
