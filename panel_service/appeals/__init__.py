"""Appeals as staff and departments file and follow them.

``submission`` (the fields checked, the appeal stored, its panel drawn), ``attachments``,
``listing`` (the lists and look-ups the pages need), ``outcomes`` (the state the hotline
platform sees), ``masking`` (citizens' numbers hidden from panelists).

May import: record, panel.
"""
