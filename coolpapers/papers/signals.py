"""`papers_changed` tells the search index and related-papers steps which papers to refresh."""

from django.dispatch import Signal

# Sent after the transaction that created or updated papers commits; kwargs: paper_ids (list).
papers_changed = Signal()
