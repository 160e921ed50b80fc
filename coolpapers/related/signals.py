"""`related_changed` tells whoever shows keywords and related lists that some were stored."""

from django.dispatch import Signal

# Sent after the transaction that stored keywords and related lists commits; kwargs: paper_ids.
related_changed = Signal()
