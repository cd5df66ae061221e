// Responses built from held bytes: the status, headers and body a real HTTP server would send for each Range.
import { describe, expect, it } from 'vitest';
import { parseRangeHeader } from '../../sw/worker/byte-range';
import { createRangeResponse, createUnsatisfiableResponse } from '../../sw/worker/range-response';

const data = new Uint8Array(Array.from({ length: 100 }, (_, index) => index)).buffer;

async function body(response: Response): Promise<number[]> {
  return [...new Uint8Array(await response.arrayBuffer())];
}

describe('parseRangeHeader', () => {
  it('reads the single-range forms', () => {
    expect(parseRangeHeader(null)).toEqual({ kind: 'none' });
    expect(parseRangeHeader('bytes=0-1')).toEqual({ kind: 'bytes', start: 0, end: 1 });
    expect(parseRangeHeader('bytes=500-')).toEqual({ kind: 'bytes', start: 500, end: null });
    expect(parseRangeHeader('bytes=-300')).toEqual({ kind: 'suffix', length: 300 });
    expect(parseRangeHeader('Bytes = 5 - 9')).toEqual({ kind: 'bytes', start: 5, end: 9 });
  });

  it('calls anything else unsupported', () => {
    for (const header of [
      'bytes=0-1,5-6',
      'items=0-1',
      'bytes=9-5',
      'bytes=-',
      'bytes=a-b',
      'bytes=99999999999999999999-',
    ]) {
      expect(parseRangeHeader(header)).toEqual({ kind: 'unsupported' });
    }
  });
});

describe('createRangeResponse', () => {
  it('answers a plain request with 200 and the whole body', async () => {
    const response = createRangeResponse(data, 'video/mp2t', null);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('video/mp2t');
    expect(response.headers.get('Content-Length')).toBe('100');
    expect(response.headers.get('Accept-Ranges')).toBe('bytes');
    expect(response.headers.has('Content-Range')).toBe(false);
    expect((await body(response)).length).toBe(100);
  });

  it('answers a bytes=0-1 probe with 206 and two bytes', async () => {
    const response = createRangeResponse(data, 'video/mp4', 'bytes=0-1');
    expect(response.status).toBe(206);
    expect(response.headers.get('Content-Range')).toBe('bytes 0-1/100');
    expect(response.headers.get('Content-Length')).toBe('2');
    expect(await body(response)).toEqual([0, 1]);
  });

  it('serves open-ended and suffix ranges, clamping the end to the resource', async () => {
    const open = createRangeResponse(data, 'video/mp4', 'bytes=95-');
    expect(open.headers.get('Content-Range')).toBe('bytes 95-99/100');
    expect(await body(open)).toEqual([95, 96, 97, 98, 99]);
    const beyond = createRangeResponse(data, 'video/mp4', 'bytes=98-5000');
    expect(beyond.headers.get('Content-Range')).toBe('bytes 98-99/100');
    const suffix = createRangeResponse(data, 'video/mp4', 'bytes=-3');
    expect(suffix.headers.get('Content-Range')).toBe('bytes 97-99/100');
    expect(await body(suffix)).toEqual([97, 98, 99]);
    const bigSuffix = createRangeResponse(data, 'video/mp4', 'bytes=-1000');
    expect(bigSuffix.headers.get('Content-Range')).toBe('bytes 0-99/100');
  });

  it('answers an unsatisfiable range with 416 and the resource size', () => {
    const response = createRangeResponse(data, 'video/mp4', 'bytes=100-200');
    expect(response.status).toBe(416);
    expect(response.headers.get('Content-Range')).toBe('bytes */100');
    expect(createRangeResponse(data, 'video/mp4', 'bytes=-0').status).toBe(416);
  });

  it('ignores a multi-range request and sends the whole body, as servers may', async () => {
    const response = createRangeResponse(data, 'video/mp4', 'bytes=0-1,4-5');
    expect(response.status).toBe(200);
    expect((await body(response)).length).toBe(100);
  });

  it('places a byte-range segment at its offset in a file of unknown size', async () => {
    const piece = new Uint8Array([10, 11, 12, 13]).buffer;
    const placement = { offset: 5000, totalSize: null };
    const exact = createRangeResponse(piece, 'video/mp2t', 'bytes=5000-5003', placement);
    expect(exact.status).toBe(206);
    expect(exact.headers.get('Content-Range')).toBe('bytes 5000-5003/*');
    expect(await body(exact)).toEqual([10, 11, 12, 13]);
    const inner = createRangeResponse(piece, 'video/mp2t', 'bytes=5001-5002', placement);
    expect(inner.headers.get('Content-Range')).toBe('bytes 5001-5002/*');
    expect(await body(inner)).toEqual([11, 12]);
    const outside = createRangeResponse(piece, 'video/mp2t', 'bytes=4999-5002', placement);
    expect(outside.status).toBe(416);
    expect(outside.headers.has('Content-Range')).toBe(false);
  });
});

describe('createUnsatisfiableResponse', () => {
  it('answers a range past the end of a file with 416 and its size', async () => {
    const response = createUnsatisfiableResponse(10_005);
    expect(response.status).toBe(416);
    expect(response.headers.get('Content-Range')).toBe('bytes */10005');
    expect(response.headers.get('Content-Length')).toBe('0');
    expect(await response.text()).toBe('');
  });
});
