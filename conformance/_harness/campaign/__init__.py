"""Campaigns: one suite run per target, several at once, gathered in one folder.

``conformance campaign TARGETS... --parallel N --out DIR`` (``cli_campaign``)
plans the targets (``plan``: files and folders of files, a stable folder name
for each, a per-target env file of secrets), runs each in its own process
(``unit``: ``conformance run --target X --report-dir DIR/<name>``, with a
timeout, its output kept), at most N at once (``pool``), and sums them up
(``summary``: ``campaign.json``, a console table, the exit code). A target
whose run crashes, hangs or cannot start does not stop the others.

The same unit runs on a cluster: ``--index I`` runs only the I-th target of
the plan, which is what each pod of the Kubernetes Indexed Job under
``deploy/kubernetes/`` does. DIR is read by ``conformance publish DIR``.
"""
