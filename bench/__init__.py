"""On-demand benchmarks (not part of `make test`): `python -m bench --help`."""
