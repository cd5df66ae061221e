// QOE-REPORT as declared in protocol/: the validator keeps only known fields and names the wrong one; the
// plausibility rules refuse values that contradict each other or the time they cover; QOE-SESSION is narrowed.
import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../protocol/signaling/peerjs-messages';
import {
  isQoeServerMessage,
  qoeReportProblem,
  validateQoeReport,
} from '../../protocol/signaling/qoe-messages';
import { qoeReport } from '../support/qoe-report';

const TOKEN = `${'a'.repeat(22)}.${'b'.repeat(22)}`;
const limits = { maxBytesPerSecond: 125e6 };

describe('QOE-REPORT', () => {
  it('accepts a report, dropping unknown fields and a false `final`', () => {
    const report = qoeReport({ session: TOKEN });
    expect(validateQoeReport({ ...report, final: false, ip: '10.0.0.1', __proto__: { x: 1 } })).toEqual(
      report,
    );
    const parsed = parseClientMessage(JSON.stringify({ type: 'QOE-REPORT', payload: report }));
    expect(parsed).toEqual({ ok: true, message: { type: 'QOE-REPORT', payload: report } });
  });

  it.each([
    ['session', 'abc.def'],
    ['seq', 0],
    ['seq', 1.5],
    ['seq', 2_000_000],
    ['final', 'yes'],
    ['swarm', ''],
    ['swarm', 'a\u0000b'],
    ['sessionSec', -1],
    ['periodSec', Number.NaN],
    ['startupSec', '1'],
    ['playingSec', Number.POSITIVE_INFINITY],
    ['rebuffers', 0.5],
    ['httpBytes', -1],
    ['p2pBytes', 2 ** 60],
    ['peers', null],
    ['bitrateKbps', undefined],
  ])('refuses %s = %s, naming the field', (field, value) => {
    const problem = validateQoeReport({ ...qoeReport(), [field]: value });
    expect(problem).toEqual(expect.stringContaining(`payload.${field}`));
    const parsed = parseClientMessage(
      JSON.stringify({ type: 'QOE-REPORT', payload: { ...qoeReport(), [field]: value ?? null } }),
    );
    expect(parsed).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });

  it.each([
    [{ rebufferSec: 12 }, 'playing and rebuffering longer than the period'],
    [{ periodSec: 30, sessionSec: 10 }, 'periodSec longer than the session'],
    [{ startupSec: 50 }, 'startupSec after the report'],
    [{ droppedFrames: 241 }, 'more frames dropped than shown'],
    [{ frames: 10_000 }, 'more than 300 frames/s'],
    [{ rebuffers: 40 }, 'more than 2 rebuffers per second'],
    [{ httpBytes: 2e9 }, 'media bytes over 125000000 per second'],
    [{ uploadedBytes: 2e9 }, 'uploaded bytes over 125000000 per second'],
    [{ sessionSec: 8 * 86_400 }, 'sessionSec over 604800'],
  ])('finds %o implausible', (fields, reason) => {
    expect(qoeReportProblem(qoeReport(fields), limits)).toBe(reason);
  });

  it('finds the sample report plausible', () => {
    expect(qoeReportProblem(qoeReport(), limits)).toBeNull();
  });
});

describe('QOE-SESSION', () => {
  it('is recognised only with a well-formed token', () => {
    expect(isQoeServerMessage({ type: 'QOE-SESSION', payload: { session: TOKEN } })).toBe(true);
    expect(isQoeServerMessage({ type: 'QOE-SESSION', payload: { session: 'x.y' } })).toBe(false);
    expect(isQoeServerMessage({ type: 'QOE-SESSION' })).toBe(false);
    expect(isQoeServerMessage(null)).toBe(false);
  });
});
