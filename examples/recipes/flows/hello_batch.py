"""The flow of the metaflow recipe (examples/recipes/test_metaflow.py): one step on AWS Batch."""

from metaflow import FlowSpec, batch, step


class HelloBatchFlow(FlowSpec):
    """Counts locally, once more on Batch, and reports at the end."""

    @step
    def start(self):
        self.rows = 41
        self.next(self.count)

    @batch(cpu=1, memory=2048)
    @step
    def count(self):
        self.rows += 1
        print(f"counted on Batch: {self.rows}")
        self.next(self.end)

    @step
    def end(self):
        print(f"rows: {self.rows}")


if __name__ == "__main__":
    HelloBatchFlow()
