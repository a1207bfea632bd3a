"""`python -m tickets`: classify stdin, one message per line, one JSON object per line."""

from __future__ import annotations

import argparse
import sys

from classify.cli import run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tickets", description=__doc__)
    parser.add_argument("--dictionary", help="keyword TOML file (default: the shipped one)")
    args = parser.parse_args()
    return run(sys.stdin, sys.stdout, args.dictionary)


if __name__ == "__main__":
    sys.exit(main())
