// The micro benchmarks run each task as a batch of `batch` operations (so a sample is well above the timer's
// resolution); this prints the batch's mean time divided by the batch as ns per operation.

import type { Bench } from 'tinybench';

export function printPerOperation(bench: Bench, batch: number): void {
  const rows = bench.tasks.map((task) => {
    const result = task.result;
    const completed = result.state === 'completed';
    return {
      task: task.name,
      'ns/op': completed ? ((result.latency.mean * 1e6) / batch).toFixed(1) : result.state,
      'rme %': completed ? result.latency.rme.toFixed(1) : '',
    };
  });
  console.table(rows);
}
