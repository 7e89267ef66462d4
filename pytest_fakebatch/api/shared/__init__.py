"""The request machinery every family of operations shares.

Owns the router and the operation tables (:mod:`.router`), typed request parameters and
pagination (:mod:`.params`), botocore's input validation (:mod:`.validation`), the views of a job
that more than one family answers with (:mod:`.views`, :mod:`.task_views`,
:mod:`.service_views`), and the checks several families apply (containers, resources, timeouts
and retry strategies in :mod:`.checks`; ECS and EKS properties in :mod:`.task_checks`; quota
management in :mod:`.quota_management`; a stop's reason in :mod:`.reasons`; create-time tags in
:mod:`.tagging`). Imports the scheduling, model and errors layers; never a family.
"""
