"""Job state-change events as AWS Batch sends them to EventBridge: collected on the fake, and
put on moto's default event bus when moto's ``mock_aws`` is active.

Imports the api's shared views (an event's detail is DescribeJobs' detail) and the model.
"""
