"""What the sites app tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent by the tally services inside the transaction that changed tallies, with
# ``dates``: the days whose tallies changed. Receivers run in that transaction: if one
# fails, nothing is saved (the reports app marks those days' snapshots stale).
tallies_changed = Signal()
