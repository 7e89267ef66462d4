"""The model: Batch's state as plain typed data, per account and region. No I/O, no threads."""
