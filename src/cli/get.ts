// `ustack get URL`: an HTTP GET made by node:http over ustack (the client side of the stack).

import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { CliError, parseCommandArgs } from './args.ts';
import { closeLabStack, LAB_HELP, LAB_OPTIONS, openLabStack } from './lab.ts';

const HELP = `usage: ustack get URL [-o FILE] [common options]

Fetches URL (http:// only) with node:http running over ustack; the body goes to stdout or FILE.
The exit status is 0 for a 2xx answer.

${LAB_HELP}`;

export async function runGet(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...LAB_OPTIONS, output: { type: 'string', short: 'o' } },
    true,
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError('expected one URL');
  let url: URL;
  try {
    url = new URL(positionals[0]!);
  } catch {
    throw new CliError(`not a URL: '${positionals[0]}'`);
  }
  if (url.protocol !== 'http:') throw new CliError(`only http:// URLs are supported, got '${url.protocol}'`);
  const port = Number(url.port || 80);
  const stack = await openLabStack(values);
  try {
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port,
          path: `${url.pathname}${url.search}`,
          createConnection: () => stack.connect({ host: url.hostname, port }) as never,
        },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    const sink = values.output ? createWriteStream(values.output) : process.stdout;
    await pipeline(response, sink, { end: values.output !== undefined });
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299)
      process.stderr.write(`ustack get: HTTP ${status} ${response.statusMessage ?? ''}\n`);
    return status >= 200 && status <= 299 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`ustack get: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await closeLabStack(stack, values);
  }
}
