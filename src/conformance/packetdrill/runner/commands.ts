// Back-quoted shell commands in scripts. The runner executes none of them: it recognises the few forms the
// scripts use (NOTES.md §9) and maps them onto the Linux profile. defaults.sh applies the profile's defaults,
// `set_sysctls.py /proc/sys/net/ipv4/NAME=VALUE...` and `sysctl -q net.ipv4.NAME=VALUE` set sysctls,
// the sysctl restore script and `ethtool -K tun0 ...` change nothing ustack has. Anything else makes the
// script unsupported.

import { splitCommandLines } from '../parser.ts';
import { type Sysctls, setSysctl } from './linux-profile.ts';

/** Applies a command's lines to `sysctls`; a string is the reason the script cannot run. */
export function applyCommand(command: string, sysctls: Sysctls): string | undefined {
  for (const line of splitCommandLines(command)) {
    const words = shellWords(line);
    const program = words[0] ?? '';
    const base = program.slice(program.lastIndexOf('/') + 1);
    if (base === 'defaults.sh') continue;
    if (/^sysctl_restore_.*\.sh$/.test(base)) continue;
    if (base === 'ethtool' && words[1] === '-K') continue;
    if (base === 'set_sysctls.py') {
      for (const assignment of words.slice(1)) {
        const match = /^\/proc\/sys\/net\/ipv4\/([a-z0-9_]+)=(.*)$/.exec(assignment);
        if (!match) return `unsupported command ${line}`;
        const why = setSysctl(sysctls, match[1]!, match[2]!);
        if (why) return why;
      }
      continue;
    }
    if (base === 'sysctl') {
      for (const word of words.slice(1)) {
        if (word === '-q' || word === '-w') continue;
        const match = /^net\.ipv4\.([a-z0-9_]+)=(.*)$/.exec(word);
        if (!match) return `unsupported command ${line}`;
        const why = setSysctl(sysctls, match[1]!, match[2]!);
        if (why) return why;
      }
      continue;
    }
    return `unsupported command ${line}`;
  }
  return undefined;
}

/** Splits a line as /bin/sh would for these simple commands: blanks separate, quotes group. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of line) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}
