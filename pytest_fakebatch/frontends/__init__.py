"""Front ends: how requests reach the fake (the botocore hook, the HTTP server, the route table).

They see the core only through the :class:`~.dispatcher.Dispatcher` protocol.
"""
