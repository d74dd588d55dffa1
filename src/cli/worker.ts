// Worker thread entry: processes batches of FileJobs sent by the pool and posts back their outcomes.
import { parentPort } from 'node:worker_threads';
import { processJob, type FileJob } from './jobs.js';

export interface Batch {
  id: number;
  jobs: FileJob[];
}

parentPort!.on('message', async (batch: Batch) => {
  const outcomes = [];
  for (const job of batch.jobs) outcomes.push(await processJob(job));
  parentPort!.postMessage({ id: batch.id, outcomes });
});
