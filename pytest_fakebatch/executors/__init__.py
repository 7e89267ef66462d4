"""Executors run job attempts: the protocol, the in-process executor, and Docker (whose
module imports the docker SDK, so it is imported only in Docker mode)."""
