"""Read queries: keyword-only, typed, aggregating in SQL."""
