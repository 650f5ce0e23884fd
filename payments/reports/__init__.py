"""The owner's money reports, read from the ledger: revenue, refunds, balances, and instructors' pay.

``queries`` reads a fixed number of grouped queries whatever the period's length; ``money``
and ``pay`` are pure sums over their rows (tested with hand-made rows and with factory data
whose answers are worked out by hand); ``selectors`` checks the role first.
"""
