"""Launching the platform under test from a container image (a target file's ``launch:``).

- ``settings``: the section, read and validated (no engine needed);
- ``engine``: the Docker SDK calls (host network, never a pull);
- ``health``: waiting until the health URL answers, the container exits, or time is up;
- ``container_logs``: each container's log, scrubbed, written into the run before the seal;
- ``launcher``: ``launched(targets)``, which starts them and always removes them.
"""
