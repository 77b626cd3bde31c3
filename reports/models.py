"""Snapshot tables written only by jobs (CommitteeDay, TargetProgress) live here.

They arrive with the ranking issue; the app exists now so the layout of DESIGN.md §5 holds.
"""
