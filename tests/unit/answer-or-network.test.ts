// The worker's last line of defence: an answer that throws or rejects becomes the network's own response.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answerOrNetwork } from '../../sw/worker/answer-or-network';

const URL_ = 'https://site.example/media/movie.mp4';

afterEach(() => vi.restoreAllMocks());

function network() {
  return vi.fn(async (request: Request) => new Response(`network ${request.url}`, { status: 200 }));
}

describe('answerOrNetwork', () => {
  it("passes the worker's own answer through untouched", async () => {
    const fetch = network();
    const ours = new Response('ours', { status: 206 });
    expect(await answerOrNetwork(new Request(URL_), async () => ours, fetch)).toBe(ours);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('answers from the network when the answer rejects, and logs why', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fetch = network();
    const request = new Request(URL_);
    const response = await answerOrNetwork(request, () => Promise.reject(new Error('bug')), fetch);
    expect(await response.text()).toBe(`network ${URL_}`);
    expect(fetch).toHaveBeenCalledWith(request);
    expect(warn.mock.calls[0]?.[0]).toMatch(/route-failed: .*Error: bug/);
  });

  it('answers from the network when the answer throws before it has a promise', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const fetch = network();
    const thrower = (): Promise<Response> => {
      throw new Error('sync bug');
    };
    expect((await answerOrNetwork(new Request(URL_), thrower, fetch)).status).toBe(200);
  });

  it('asks nothing more of the network once the player gave up on the request', async () => {
    const fetch = network();
    const controller = new AbortController();
    const request = new Request(URL_, { signal: controller.signal });
    controller.abort();
    await expect(answerOrNetwork(request, () => Promise.reject(new Error('aborted')), fetch)).rejects.toThrow(
      'aborted',
    );
    expect(fetch).not.toHaveBeenCalled();
  });
});
