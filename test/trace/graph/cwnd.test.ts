import { describe, expect, it } from 'vitest';
import { INITIAL_SSTHRESH } from '../../../src/tcp/congestion/loss-based.ts';
import { buildCwndSeries, connectionsByCwndEvents, parseTrace } from '../../../src/trace/graph/cwnd.ts';
import { renderCwnd } from '../../../src/trace/graph/cwnd-svg.ts';

// A trace as `--trace=json` writes it (src/trace/explain.ts): one object per line, TCP events with type
// "tcp" among packet and drop records, `at` in microseconds. Connection 2 has a fast retransmit, the end
// of its recovery and later a timeout; connection 5 one event, written as a bare TcpEvent.
const TRACE = [
  '{"at":999000,"type":"packet","iface":"tun0","dir":"out","packet":"IP 198.18.0.2.1 > 198.18.0.1.2: Flags [S]"}',
  '{"type":"tcp","at":1000000,"conn":2,"kind":"state","from":"SYN-SENT","to":"ESTABLISHED","why":"SYN-ACK"}',
  '{"at":1000500,"type":"drop","reason":"tcp.bad-checksum"}',
  `{"at":1050000,"conn":2,"kind":"retransmit","reason":"fast-retransmit","seq":1,"len":1448}`,
  '{"type":"tcp","at":1050000,"conn":2,"kind":"cwnd","cwnd":20272,"ssthresh":20272,"why":"3 duplicate ACKs → fast retransmit (RFC 5681 §3.2)"}',
  '{"at":1080000,"conn":2,"kind":"cwnd","cwnd":14480,"ssthresh":20272,"why":"full ACK ends recovery (RFC 6582 §3.2)"}',
  '{"at":1100000,"conn":5,"kind":"cwnd","cwnd":2896,"ssthresh":null,"why":"x"}',
  'not json',
  '{"at":1200000,"conn":2,"kind":"cwnd","cwnd":"lots","ssthresh":1,"why":"?"}',
  '{"hello":"world"}',
  '{"type":"tcp","conn":2,"kind":"cwnd"}',
  `{"at":1300000,"conn":2,"kind":"rto","rto":400000,"backoff":1}`,
  `{"at":1300000,"conn":2,"kind":"retransmit","reason":"rto","seq":30000,"len":1448}`,
  '{"at":1300000,"conn":2,"kind":"cwnd","cwnd":1448,"ssthresh":7240,"why":"retransmission timeout (RFC 5681 §3.1)"}',
  '',
].join('\n');

describe('cwnd trace', () => {
  const trace = parseTrace(TRACE);

  it('keeps the TCP events, passes over packets and drops, and names each bad line with its number', () => {
    expect(trace.events).toHaveLength(8);
    expect(trace.problems).toEqual([
      { line: 8, reason: 'trace.not-json' },
      { line: 9, reason: 'trace.bad-cwnd-event' },
      { line: 10, reason: 'trace.not-an-event' },
      { line: 11, reason: 'trace.not-an-event' },
    ]);
  });

  it('ranks connections by their cwnd events', () => {
    expect(connectionsByCwndEvents(trace.events)).toEqual([2, 5]);
  });

  it('builds cwnd and ssthresh over time from the connection’s first event, retransmissions beside', () => {
    const series = buildCwndSeries(trace, 2);
    expect(series.conn).toBe(2);
    expect(series.duration).toBeCloseTo(0.3, 9);
    expect(series.points.map(({ t, cwnd, ssthresh }) => [Number(t.toFixed(6)), cwnd, ssthresh])).toEqual([
      [0.05, 20272, 20272],
      [0.08, 14480, 20272],
      [0.3, 1448, 7240],
    ]);
    expect(series.retransmits.map((r) => [Number(r.t.toFixed(6)), r.reason])).toEqual([
      [0.05, 'fast-retransmit'],
      [0.3, 'rto'],
    ]);
  });

  it('treats a null or still-initial ssthresh as unset (RFC 5681 §3.1 "arbitrarily high")', () => {
    expect(buildCwndSeries(trace, 5).points[0]!.ssthresh).toBeUndefined();
    const initial = parseTrace(
      `{"at":0,"conn":1,"kind":"cwnd","cwnd":14480,"ssthresh":${INITIAL_SSTHRESH},"why":"x"}`,
    );
    expect(buildCwndSeries(initial, 1).points[0]!.ssthresh).toBeUndefined();
  });

  it('renders the golden SVG, each event with its reason and each retransmission lettered', async () => {
    const svg = renderCwnd(buildCwndSeries(trace, 2));
    await expect(svg).toMatchFileSnapshot('./__snapshots__/cwnd.svg');
    expect(svg).toContain('>3 duplicate ACKs → fast retransmit</text>');
    expect(svg).toContain('>retransmission timeout</text>');
    expect(svg).toContain('<title>1448 bytes: retransmission timeout (RFC 5681 §3.1)</title>');
    expect(svg.match(/class="rtx-label"[^>]*>[FT]</g)).toHaveLength(2);
  });
});
