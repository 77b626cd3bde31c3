"""What the reports app tells the apps above it (the group robots), without importing them.

Both are sent inside the transaction that made the change; a receiver that has work to do
after it (a post to a chat group) registers it with ``transaction.on_commit``, so a
rolled-back change announces nothing and a slow receiver never holds the transaction.
"""

from django.dispatch import Signal

# ``bulletin``: a bulletin just published.
bulletin_published = Signal()
# ``dates``: the days whose snapshots and target progress a build has just written.
snapshots_built = Signal()
