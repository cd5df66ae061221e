// Reads a response body into one buffer, but never more than a cap: a misjudged multi-gigabyte file must not
// be pulled into the worker's memory just to be cached.

/** The whole body, or 'too-large' (the stream is cancelled) once it passes `maxBytes`. Rejects on a network error. */
export async function readBodyCapped(
  response: Response,
  maxBytes: number,
): Promise<ArrayBuffer | 'too-large'> {
  const declared = Number(response.headers.get('Content-Length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    return 'too-large';
  }
  if (!response.body) return new ArrayBuffer(0);
  // Length known and bytes as sent: the browser reads them into one buffer itself, no chunk copies in here.
  if (declared >= 0 && !response.headers.has('Content-Encoding')) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return 'too-large';
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body.buffer;
}
