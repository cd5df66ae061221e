// Checks of single values that the bridge's validators (bridge-messages.ts, segment-ref.ts, worker-settings.ts)
// are built from.

/** Text fields without a bound of their own (reasons, versions). */
export const MAX_TEXT = 1024;
export const MAX_URL = 16 * 1024;

type Fields = Record<string, unknown>;

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isText(value: unknown, max = MAX_TEXT): value is string {
  return typeof value === 'string' && value.length <= max;
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isRequestId(value: unknown): value is number {
  return isCount(value) && value > 0 && value <= 0xffffffff;
}

export function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
