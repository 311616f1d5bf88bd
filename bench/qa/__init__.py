"""Question-answering benchmark: our engine against a BM25 baseline (``python -m bench.qa``)."""
