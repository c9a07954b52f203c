"""LINK 1.0: link interconnection — the suite's domain logic (pure modules).

``hosts`` reads the target's domains and puts hosts in A-label form,
``policy`` reads ``/.well-known/link-policy``, ``urls`` generates URLs on
the configured domains, ``sameness`` compares a URL with the one a user is
taken to, ``pages`` reads the text of a share page, and ``client`` speaks
the LINK operations through the probe. Generated URLs are data sent in
request bodies; the suite never fetches them.
"""
