"""Payments: the money ledger, Stripe plumbing and refunds by policy (issue 15)."""
