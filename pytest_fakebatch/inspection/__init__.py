"""Inspection: what a test reads of the fake without boto3.

Owns the records a test asserts on (:class:`~.records.JobInfo` snapshots, the
:class:`~.records.ApiCall` record of every request) and the facade's collaborator that reads
them out of the state (:class:`~.inspector.Inspector`: ``jobs``, ``job``, ``events``,
``progress``, ``calls``). Imports the events, scheduling (to bring logs up to date before a
snapshot) and the model; nothing below imports it.
"""
