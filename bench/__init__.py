"""Benchmarks of gkspider: extraction cost, crawl throughput, memory, dates, PDF. Run `python bench/run.py`."""
