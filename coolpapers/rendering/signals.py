"""`notes_changed` tells whoever shows paper notes that one was saved or deleted."""

from django.dispatch import Signal

# Sent when a note is saved or deleted; kwargs: paper_ids (the note's paper).
notes_changed = Signal()
