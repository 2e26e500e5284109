"""Lead scoring (interest, from behaviour, with exact decay) and lead grading (fit, from profile).

The modules here are pure: they take values and return values, read no clock and touch
no database. ``config`` parses the workspace sections, ``decay`` stores scores exactly,
``rules`` matches events and applies daily caps incrementally, ``rebuild`` rescores
everybody with numpy, ``explain`` says why a contact has its band and grade, and
``grading`` computes fit and grade.
"""
