"""Spellings of one work order that people, IMEs and attackers produce (shared by tests)."""

NUMBER = "XN20261201000777"

# Every spelling the issue reports as accepted again for XN20261201000777.
SAME_WORK_ORDER = {
    "full-width": "ＸＮ２０２６１２０１０００７７７",
    "lower case": "xn20261201000777",
    "full-width lower case": "ｘｎ２０２６１２０１０００７７７",
    "zero-width space inside": "XN2026\u200b1201000777",
    "zero-width space after": "XN20261201000777\u200b",
    "BOM before": "\ufeffXN20261201000777",
    "BOM inside": "XN2026\ufeff1201000777",
    "word joiner and ZWJ": "X\u2060N2026\u200d1201000777",
    "soft hyphen": "XN2026\u00ad1201000777",
    "bidi marks": "\u200eXN20261201000777\u200f",
    "mathematical digits": "XN\U0001d7ee\U0001d7ec\U0001d7ee\U0001d7f21201000777",
    "mathematical bold letters": "\U0001d417\U0001d40d20261201000777",
    "ASCII dashes": "XN-20261201-000777",
    "full-width dash": "XN－20261201－000777",
    "en dash and minus sign": "XN\u201320261201\u2212000777",
    "ideographic space": "XN\u300020261201000777",
    "spaces and a tab around": " \tXN20261201000777 \n",
    "double-struck digits": "XN\U0001d7da\U0001d7d8\U0001d7da\U0001d7de1201000777",
}
LOOK_ALIKES = {
    "Cyrillic Х and Н": "\u0425\u041d20261201000777",
    "Cyrillic Х only": "\u0425N20261201000777",
    "Greek Chi": "\u03a7N20261201000777",
    "Arabic-Indic digits": "XN\u0662\u0660\u0662\u06661201000777",
    "Extended Arabic-Indic digits": "XN\u06f2\u06f0\u06f2\u06f61201000777",
    "Devanagari digits": "XN\u0968\u0966\u0968\u096c1201000777",
    "CJK numeral one as a dash": "XN2026\u4e001201000777",
    "a slash": "XN2026/1201000777",
    "an underscore": "XN2026_1201000777",
    "a NUL": "XN2026\x001201000777",
    "an emoji": "XN2026\U0001f6001201000777",
    "a combining accent": "XN2026\u03011201000777",
    "Hangul filler": "XN2026\u31641201000777",
}
