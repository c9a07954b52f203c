"""``conformance monitor``: scheduled runs against one platform, and an alert on regression.

``schedule`` parses the interval and places the runs, ``history`` keeps the
verdicts and timings (``history.json`` beside the run directories),
``feed`` writes the Atom feed of alerts, ``webhook`` guards and sends the
alert's POST, and ``loop`` runs it all.
"""
