"""Benchmarks for courseapp: page throughput against a bare WSGI app, dashboard scaling
and concurrent test submissions. Run with `make bench`; see bench/README.md."""
