"""The results site of ``conformance publish``: many runs, for people (``layout`` lists its files).

``collect`` finds and reads the runs and monitor histories, ``status``
decides each platform's state per standard, ``svg`` draws badges and
timelines, ``frame``, ``matrix``, ``platform_page`` and ``run_page`` make
the pages (each with the JSON behind it), and ``publish`` copies, verifies
and writes everything.
"""
