"""Appeals as staff and departments file and follow them.

``submission`` (the fields checked, the appeal stored, its panel drawn),
``work_order_numbers`` (a work order's one spelling), ``ownership`` (the one department a
work order belongs to), ``duplicates`` (work orders that got several live appeals before
revision 0010), ``attachments``,
``listing`` (the lists and look-ups the pages need), ``outcomes`` (the state the hotline
platform sees), ``masking`` (citizens' numbers hidden from panelists).

May import: record, panel.
"""
