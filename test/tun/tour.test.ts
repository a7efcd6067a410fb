// The tour's TUN variants and the lab sheet's TUN experiments, run as docs/tour.md and docs/lab-sheet.md
// run them: each makes its own namespace (198.18.0.0/15 only) and removes it. Skips without root and the
// lab programs; fails instead under USTACK_REQUIRE_TUN=1.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { runTutorial } from '../../examples/run.ts';
import { describeKernelPeer } from './lab/environment.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ustack-tour-tun-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs docs/lab/NAME.sh with its results in a directory of this test; resolves with its stdout. */
async function labScript(name: string): Promise<string> {
  const out = join(dir, name);
  execFileSync('mkdir', ['-p', out]);
  const { stdout } = await promisify(execFile)('sh', [`docs/lab/${name}.sh`], {
    cwd: ROOT,
    env: { ...process.env, LAB_OUT: out },
    timeout: 90_000,
  });
  return stdout;
}

function namespacesLeft(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith(`ustack-tour-${process.pid}-`));
}

describeKernelPeer('tour over TUN', () => {
  it('echo: the Python client against the ustack server, traced from SYN to LAST_ACK → CLOSED', async () => {
    const trace: string[] = [];
    const printed = await runTutorial({
      program: 'echo',
      tun: true,
      trace: 'explain',
      print: () => {},
      traceLine: (line) => trace.push(line),
    });
    expect(printed[0]).toMatch(/^Connected by 198\.18\.0\.1:\d+$/);
    expect(printed[1]).toBe("Received b'Hello, world'");
    const text = trace.join('\n');
    expect(text).toMatch(/tour0 In {2}IP 198\.18\.0\.1\.\d+ > 198\.18\.0\.2\.50007: Flags \[S\]/);
    expect(text).toContain('LAST_ACK → CLOSED');
    expect(text).not.toContain('IP6');
    expect(namespacesLeft()).toEqual([]);
  });

  it('udp-echo: the Python client gets its three replies', async () => {
    const printed = await runTutorial({ program: 'udp-echo', tun: true, print: () => {} });
    expect(printed).toEqual(["Replies ['a', 'bb', 'ccc']"]);
  });

  it('chat: two Python listeners hear the Python speaker through the ustack room', async () => {
    const printed = await runTutorial({ program: 'chat', tun: true, print: () => {} });
    const heard = printed.filter((line) => line.startsWith('heard '));
    expect(heard).toHaveLength(2);
    expect(heard[0]).toMatch(/^heard \[198\.18\.0\.1:\d+\] hello from the room$/);
    expect(heard[1]).toBe(heard[0]);
    expect(namespacesLeft()).toEqual([]);
  });

  it('lab 4: a zero window is probed and reopened', async () => {
    const out = await labScript('zero-window');
    expect(out).toMatch(/read \d+ bytes after the pause/);
    expect(out).toContain('win 0,');
    expect(out).toContain('zero-window probe: persist timer expired');
  });

  it('lab 5: tcpdump on the TUN and ustack capture identical packets', async () => {
    expect(await labScript('kernel-compare')).toContain('identical: 11 packets');
  });

  it('lab 6: a 2 MB download survives nftables loss', async () => {
    const out = await labScript('nft-loss');
    expect(out).toContain('file intact');
    expect(out).toMatch(
      /198\.18\.0\.2:8080 > 198\.18\.0\.1:\d+: \d+ packets, \d+ data bytes, [1-9]\d* retransmissions?/,
    );
  });

  it.skipIf(!hasProgram('hping3') && process.env.USTACK_REQUIRE_TUN !== '1')(
    'lab 7: SYN cookies serve a client while a flood fills the half-open queue',
    async () => {
      const out = await labScript('syn-cookies');
      expect(out).toContain('echo: still served');
      expect(out).toMatch(/\b1 syn-cookies-accepted/);
      expect(out).toMatch(/\b\d+ syn-cookies-sent/);
    },
  );
});

function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
