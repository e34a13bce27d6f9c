"""What administrators and staff read about the panel: statistics and charts, roster and
audit exports, an appeal's timeline, and what needs attention on each home (``attention``).

May import: record, membership (the rotation's warnings and failing numbers for the homes),
readiness (when an undelivered message counts as overdue).
"""
