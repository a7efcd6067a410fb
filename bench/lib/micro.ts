// The micro benchmarks that already live in bench/ (checksum, IPv4 and TCP codecs, TUN packets/s), run
// as children so their figures land in the report verbatim.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { placed, ROOT, tsNode } from './processes.ts';
import type { MicroOutput } from './results.ts';

const run = promisify(execFile);

export async function runMicro(quick: boolean, pin: boolean, progress: (line: string) => void) {
  const pps = quick ? ['--runs', '1', '--seconds', '0.5'] : ['--runs', '3', '--seconds', '1'];
  const benches: [string, string[]][] = [
    ['checksum.bench.ts', []],
    ['codec-ip.bench.ts', []],
    ['codec-tcp.bench.ts', []],
    ['tun-pps.ts', pin ? [...pps, '--pin'] : pps],
  ];
  const outputs: MicroOutput[] = [];
  for (const [file, args] of benches) {
    progress(`micro: ${file} ${args.join(' ')}`);
    const pinning = file === 'tun-pps.ts' ? false : pin;
    const argv = placed(tsNode(join(ROOT, 'bench', file), args), { pin: pinning });
    try {
      const { stdout } = await run(argv[0]!, argv.slice(1), { cwd: ROOT, timeout: 120_000 });
      outputs.push({ name: `${file}${args.length ? ` ${args.join(' ')}` : ''}`, output: stdout });
    } catch (error) {
      outputs.push({ name: file, output: `failed: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  return outputs;
}
