// DASH SegmentTemplate URLs as patterns: a segment the MPD does not list (a live edge the player computed from
// its clock, a period end it rounded differently) is still recognised as its representation's by its URL.
import { canonicalUrl } from './segment-id';

/** A template compiled against one representation and base URL; plain data, so it can be persisted. */
export interface TemplatePattern {
  /** Regular expression source matching whole canonical URLs, one group per `$Number$` / `$Time$`. */
  source: string;
  /** What each group holds, in group order, with its zero-padding width (1 for none). */
  fields: Array<{ name: 'Number' | 'Time'; width: number }>;
  /** Seconds per segment when the template says (`@duration`), else 0. */
  durationSec: number;
}

/** What a URL that matched a template names: the segment's number and/or time, as the player formatted them. */
export interface TemplateValues {
  number?: number;
  time?: number;
}

/** ISO/IEC 23009-1 §5.3.9.4.4: `$$`, or `$Identifier$` with an optional `%0<width>d` format tag. */
const IDENTIFIER = /\$([A-Za-z]*)(?:%0(\d+)d)?\$/g;
/** Stands for a `$Number$`/`$Time$` while the URL is resolved: letters and digits survive URL normalisation. */
const marker = (position: number) => `peerlane${position}field`;
const MARKER = /peerlane(\d+)field/g;

function pad(value: string, width: number): string {
  return value.length >= width ? value : '0'.repeat(width - value.length) + value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Compiles `media` (a SegmentTemplate@media) for one representation, resolved against its base URL and made
 * canonical like any request URL. Undefined when it names no `$Number$`/`$Time$` (nothing to match), or an
 * identifier this version does not know (`$SubNumber$`): such segments are only recognised when listed.
 */
export function compileTemplate(
  media: string,
  representation: { id: string; bandwidth: number },
  baseUrl: string,
  volatileParams: readonly string[],
  durationSec: number,
): TemplatePattern | undefined {
  const found: Array<{ name: 'Number' | 'Time'; width: number }> = [];
  let unknown = false;
  const marked = media.replace(IDENTIFIER, (whole, name: string, width?: string) => {
    switch (name) {
      case '':
        return '$';
      case 'RepresentationID':
        return representation.id;
      case 'Bandwidth':
        return pad(String(representation.bandwidth), Number(width ?? 1));
      case 'Number':
      case 'Time':
        found.push({ name, width: Number(width ?? 1) });
        return marker(found.length - 1);
      default:
        unknown = true;
        return whole;
    }
  });
  if (unknown || found.length === 0) return undefined;
  let resolved: string;
  try {
    resolved = canonicalUrl(new URL(marked, baseUrl).href, volatileParams);
  } catch {
    return undefined;
  }
  // Canonical URLs sort their query parameters: groups follow the markers in their final order.
  const fields: TemplatePattern['fields'] = [];
  let source = '^';
  let last = 0;
  for (const match of resolved.matchAll(MARKER)) {
    const field = found[Number(match[1])];
    if (!field) return undefined;
    source += `${escapeRegExp(resolved.slice(last, match.index))}(\\d+)`;
    fields.push(field);
    last = match.index + match[0].length;
  }
  // A marker inside a volatile parameter was dropped: such a URL cannot identify a segment.
  if (fields.length !== found.length) return undefined;
  source += `${escapeRegExp(resolved.slice(last))}$`;
  return { source, fields, durationSec };
}

/**
 * The values a canonical URL carries if it matches `pattern` (compiled to `regex`), formatted exactly as the
 * template formats them (`$Number%05d$` matches `00042`, not `42` or `000042`); undefined otherwise.
 */
export function matchTemplate(
  pattern: TemplatePattern,
  regex: RegExp,
  url: string,
): TemplateValues | undefined {
  const match = regex.exec(url);
  if (!match) return undefined;
  const values: TemplateValues = {};
  for (const [position, field] of pattern.fields.entries()) {
    const text = match[position + 1] ?? '';
    const value = Number(text);
    if (!Number.isSafeInteger(value) || pad(String(value), field.width) !== text) return undefined;
    const key = field.name === 'Number' ? 'number' : 'time';
    // The same identifier twice must carry the same value.
    if (values[key] !== undefined && values[key] !== value) return undefined;
    values[key] = value;
  }
  return values;
}
