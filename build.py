#!/usr/bin/env python3
"""Entry point: `python build.py [build|check|new] ...`; see `python build.py --help`."""

import sys
from pathlib import Path

from explainer.cli import main

if __name__ == "__main__":
    sys.exit(main(default_project=Path(__file__).resolve().parent))
