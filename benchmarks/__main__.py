"""Entry point of `python -m benchmarks` (and `make bench`)."""

from benchmarks.run import main

raise SystemExit(main())
