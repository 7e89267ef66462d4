"""The model: Batch's state as plain typed data, per account and region. No I/O, no threads.

Owns: resources (compute and service environments, queues, definitions, policies), consumable
resources, jobs and their attempts, service jobs and quota shares, the region that holds them,
and the journal of status changes. Imports only :mod:`pytest_fakebatch.errors`; inside, imports
run one way (``region → journal → jobs | service → resources | consumables | tasks → numbers |
retry_rules``), checked by ``lint-imports``.
"""
