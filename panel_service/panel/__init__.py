"""The panel: who may sit on an appeal and how the seats are filled and ended.

``seating`` (who may sit, whether a seat may still act), ``draw`` (the published draw and
the walk to a substitute), ``lifecycle/`` (the only code that changes an appeal's status or a
seat's state), ``voting`` (the count), ``deadlines`` (the worker's sweep), ``visits`` (first
opening, the pledge), ``replay`` and ``fairness`` (anyone re-checks the draws).

May import: record, messaging (only to queue texts and webhooks with a transition).
"""
