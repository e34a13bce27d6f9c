"""What administrators and staff read about the panel: statistics and charts, roster and
audit exports, an appeal's timeline.

May import: record.
"""
