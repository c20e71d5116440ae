"""The store and what reads it whole: generations on disk, the vocabulary graph, export, stats,
named queries and query results. Knows nothing about parsing or mapping."""
