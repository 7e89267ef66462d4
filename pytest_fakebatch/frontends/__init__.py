"""Front ends: how requests reach the fake (the botocore hook, the HTTP server and the facade's
:class:`~.serving.Serving` of it, signatures, the route table read from botocore's model).

They see the core only through the :class:`~.dispatcher.Dispatcher` protocol, which the facade
implements and hands in. Imports: the errors (and, for faults answered where requests are
answered, the model's fault plan); never the API, the scheduler or the facade.
"""
