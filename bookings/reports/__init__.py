"""The owner's reports: figures computed by queries of a fixed count and pure summaries of their rows.

``queries`` reads (a few grouped queries whatever the range), the other modules sum and
divide plain rows, so their arithmetic is tested with hand-built rows and their queries
with factory data whose answers are known.
"""
