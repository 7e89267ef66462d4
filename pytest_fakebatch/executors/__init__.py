"""Executors run job attempts: the protocol, the in-process executor, and Docker (whose
module imports the docker SDK, so it is imported only in Docker mode).

Imports nothing of the fake's but the errors: they are handed what to run and when (epoch ms).
"""
