"""The engines behind ``engine.Engine``: only the packages here import an engine's library.

``whoosh/``: the index in a folder (Whoosh generations swapped atomically), queries, ranking
in match levels, highlights. Another engine is another package here, chosen by
``engine.open_engine``.
"""
