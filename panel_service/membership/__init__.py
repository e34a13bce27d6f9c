"""The roster and its members over the years.

``panelists`` (add, edit, suspend, reinstate, retire; a change re-checks the seats the
member holds), ``roster`` (CSV import), ``rotation`` (terms ending, poor responders, pools
too small), ``health`` (each member's seats, votes, recusals, no-shows).

May import: record, panel.
"""
