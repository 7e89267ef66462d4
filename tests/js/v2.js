// The AWS SDK for JavaScript v2 (aws-sdk), driving a served pytest-fakebatch exactly as a user's
// code would: submit a job, describe it, list jobs, tag it through the query string, read an error.
// Reads the variables of FakeBatch.environ() (v2 knows no AWS_ENDPOINT_URL_BATCH: the endpoint is
// given to the client); prints one JSON document of what it saw.
"use strict";
const AWS = require("aws-sdk");

const batch = new AWS.Batch({
  endpoint: process.env.AWS_ENDPOINT_URL_BATCH,
  region: process.env.AWS_REGION,
  credentials: new AWS.Credentials(process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY),
  maxRetries: 0,
});

async function main() {
  const job = await batch
    .submitJob({ jobName: "from-js-v2", jobQueue: "q", jobDefinition: "work", tags: { team: "etl" } })
    .promise();
  const described = await batch.describeJobs({ jobs: [job.jobId] }).promise();
  const listed = await batch.listJobs({ jobQueue: "q", jobStatus: "SUCCEEDED" }).promise();
  await batch.untagResource({ resourceArn: job.jobArn, tagKeys: ["team", "a key with spaces"] }).promise();
  const tags = await batch.listTagsForResource({ resourceArn: job.jobArn }).promise();
  let error = null;
  try {
    await batch.submitJob({ jobName: "lost", jobQueue: "nope", jobDefinition: "work" }).promise();
  } catch (caught) {
    error = { code: caught.code, statusCode: caught.statusCode, message: caught.message };
  }
  return {
    submitted: job.jobName,
    status: described.jobs[0].status,
    listed: listed.jobSummaryList.map((summary) => summary.jobName),
    tags: tags.tags,
    error,
  };
}

main().then(
  (seen) => console.log(JSON.stringify(seen)),
  (failure) => {
    console.error(failure);
    process.exit(1);
  },
);
