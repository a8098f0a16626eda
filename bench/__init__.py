"""National-scale benchmarks for Safeguard: ``python -m bench.run`` (``make bench``)."""
