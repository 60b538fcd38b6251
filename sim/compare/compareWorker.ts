/**
 * Worker-thread entry of `compare`: runs the variant jobs it is sent, one at a time, and posts each outcome back.
 */
import { parentPort } from 'node:worker_threads';
import { describeFailure, runVariantJob, type VariantJob } from './runVariant.js';

const port = parentPort;
if (!port) throw new Error('joulesim: compareWorker must run in a worker thread');
port.on('message', async (job: VariantJob | null) => {
  if (job === null) {
    port.close();
    return;
  }
  try {
    port.postMessage({ ok: await runVariantJob(job) });
  } catch (e) {
    port.postMessage({ failed: describeFailure(job.index, e) });
  }
});
