"""Negotiating where lenders negotiate (docs/domain.md §7): the negotiation log,
the call script, and the counter-offer evaluator (``offers.py``, pure)."""
