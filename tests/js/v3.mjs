// The AWS SDK for JavaScript v3 (@aws-sdk/client-batch), driving a served pytest-fakebatch exactly
// as a user's code would: submit a job, describe it, list jobs, tag it through the query string,
// read an error. The client finds the fake by itself, through the variables of FakeBatch.environ()
// (AWS_ENDPOINT_URL_BATCH, the credentials, AWS_REGION); prints one JSON document of what it saw.
import {
  BatchClient,
  ClientException,
  DescribeJobsCommand,
  ListJobsCommand,
  ListTagsForResourceCommand,
  SubmitJobCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-batch";

const batch = new BatchClient({ maxAttempts: 1 });

const job = await batch.send(
  new SubmitJobCommand({ jobName: "from-js-v3", jobQueue: "q", jobDefinition: "work", tags: { team: "etl" } }),
);
const described = await batch.send(new DescribeJobsCommand({ jobs: [job.jobId] }));
const listed = await batch.send(new ListJobsCommand({ jobQueue: "q", jobStatus: "SUCCEEDED" }));
await batch.send(new UntagResourceCommand({ resourceArn: job.jobArn, tagKeys: ["team", "a key with spaces"] }));
const tags = await batch.send(new ListTagsForResourceCommand({ resourceArn: job.jobArn }));
let error = null;
try {
  await batch.send(new SubmitJobCommand({ jobName: "lost", jobQueue: "nope", jobDefinition: "work" }));
} catch (caught) {
  error = {
    name: caught.name,
    modelled: caught instanceof ClientException,
    statusCode: caught.$metadata.httpStatusCode,
    message: caught.message,
  };
}
console.log(
  JSON.stringify({
    submitted: job.jobName,
    status: described.jobs[0].status,
    listed: listed.jobSummaryList.map((summary) => summary.jobName),
    tags: tags.tags,
    error,
  }),
);
