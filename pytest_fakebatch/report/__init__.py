"""What a person reads after a run: the "fakebatch" section of a failed test's report."""
