// Kernel-side loss and duplication with nftables (this kernel has no netem). The rules sit in the forward
// hook of the namespace that routes between the TUN and a peer namespace (KernelPeerLab.addRoutedPeer):
// `numgen random mod 100 < N` picks N % of packets to drop, and `dup to ADDR` sends an extra copy of a
// packet on towards its destination (routed at packet time, so the rules may be loaded before ustack has
// created its TUN device). Every rule counts what it did, so a test can show that the
// impairment really happened.

import { execFileSync } from 'node:child_process';
import { runCommand } from '../../../src/link/netns.ts';
import { PEER_ADDR, ROUTER_DEVICE, STACK_ADDR, TUN_DEVICE } from './namespace.ts';

const TABLE = 'ustack_kp';

export interface Impairment {
  /** Percent of TCP packets dropped, in each direction. */
  lossPercent: number;
  /** Percent of TCP packets sent twice, in each direction. */
  duplicatePercent: number;
}

/** What the rules did: packets dropped and duplicated, over both directions. */
export interface ImpairmentCounts {
  dropped: number;
  duplicated: number;
}

/** The ruleset: for each direction through the router, a numgen-gated drop and a numgen-gated dup. */
export function impairmentRuleset({ lossPercent, duplicatePercent }: Impairment): string {
  const direction = (match: string, toAddr: string): string[] => [
    `${match} meta l4proto tcp numgen random mod 100 < ${lossPercent} counter drop comment "drop"`,
    `${match} meta l4proto tcp numgen random mod 100 < ${duplicatePercent} counter dup to ${toAddr} comment "dup"`,
  ];
  const rules = [
    ...direction(`iifname "${ROUTER_DEVICE}" ip daddr ${STACK_ADDR}`, STACK_ADDR),
    ...direction(`iifname "${TUN_DEVICE}" ip daddr ${PEER_ADDR}`, PEER_ADDR),
  ];
  return [
    `table ip ${TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority 0; policy accept;',
    ...rules.map((rule) => `    ${rule}`),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Loads the ruleset into `netns`, the namespace that routes between the TUN and the peer. */
export function applyImpairment(netns: string, impairment: Impairment): void {
  try {
    execFileSync('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], {
      input: impairmentRuleset(impairment),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new Error(`nft rejected the impairment rules: ${(error as { stderr?: Buffer }).stderr}`);
  }
}

/** Sums the rules' counters by what they do. */
export async function impairmentCounts(netns: string): Promise<ImpairmentCounts> {
  const listing = JSON.parse(
    await runCommand('ip', ['netns', 'exec', netns, 'nft', '-j', 'list', 'table', 'ip', TABLE]),
  );
  const counts: ImpairmentCounts = { dropped: 0, duplicated: 0 };
  for (const entry of listing.nftables as Array<{ rule?: { comment?: string; expr: object[] } }>) {
    const rule = entry.rule;
    if (!rule) continue;
    const counter = rule.expr.find((e): e is { counter: { packets: number } } => 'counter' in e);
    if (!counter) continue;
    if (rule.comment === 'drop') counts.dropped += counter.counter.packets;
    if (rule.comment === 'dup') counts.duplicated += counter.counter.packets;
  }
  return counts;
}
