// Bounded polling of state the test cannot await as an event (page state read over the DevTools protocol).

const POLL_INTERVAL_MS = 250;

/**
 * Reads `read()` every 250 ms until `check` holds and returns that value; after `timeoutMs` fails with the
 * last value read and `context()` (e.g. recent page logs) in the message.
 */
export async function waitUntil<Value>(
  description: string,
  read: () => Promise<Value>,
  check: (value: Value) => boolean,
  { timeoutMs = 60_000, context = () => '' }: { timeoutMs?: number; context?: () => string } = {},
): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) {
      throw new Error(
        `not ${description} within ${timeoutMs} ms; last: ${JSON.stringify(value)}\n${context()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    value = await read();
  }
  return value;
}
