"""The instructor's side of the course: grading with nbgrader, one submission at a time or a whole class at once.

Modules (lowest first): ``course`` (the only course.yml loader), ``checks`` (the
protected helpers that test cells import), ``preprocessors`` (the nbgrader plug-ins
that ``nbgrader_config.py`` names by dotted path), ``kernel`` (the one place a
submission's kernel starts), ``job`` (one submission in, its grades out),
``engine`` (many submissions on a local or remote Dask cluster), ``report`` and
``__main__`` (the command line the ``make`` targets call).
"""
