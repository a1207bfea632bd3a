"""The `gridbot` command line: argument parsing and what each subcommand does."""
