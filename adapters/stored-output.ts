// A deploy's output as table columns. Azure Tables holds at most 64 KiB (32,768 UTF-16 code units) in one string
// property and 1 MiB in one entity, so the output's JSON is split across `output`, `output1`, `output2` … and read
// back whole. Only an output larger than the record can hold is shortened, and then visibly: its longest strings lose
// their middle to a marker, and the JSON still parses. docs/deploy.md ("History records") has the numbers.
import { DomainError } from '../core/errors';

/** Code units per column: under 32,768, so a column stays under 64 KiB whatever the characters. */
export const OUTPUT_PART_CHARS = 30_000;
/** Columns an output may take: 420,000 characters (840 KB), leaving the rest of the 1 MiB entity to the others. */
export const MAX_OUTPUT_PARTS = 14;
export const MAX_OUTPUT_CHARS = OUTPUT_PART_CHARS * MAX_OUTPUT_PARTS;

/** Written where a string lost its middle; `\d+` is how many characters were left out. */
export const TRUNCATION_MARKER = /\[elb-control: (\d+) characters omitted: the stored record is limited\]/;
const marker = (omitted: number): string =>
  `\n…[elb-control: ${omitted} characters omitted: the stored record is limited]…\n`;
/** Strings are cut no shorter than this; an output whose size is not in a few long strings cannot be fitted. */
const MIN_KEPT_CHARS = 200;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The output's JSON, whole when it fits in MAX_OUTPUT_CHARS. Otherwise its longest strings, longest first, lose as
 * much of their middle as needed (each cut once, from the original, so its marker counts right), keeping as much as
 * fits. An output whose size is not in its strings is refused with `record_too_large`, never stored half.
 */
export function fitOutputJson(output: unknown, maxChars = MAX_OUTPUT_CHARS): string {
  const whole = JSON.stringify(output);
  if (whole.length <= maxChars) return whole;
  const copy = JSON.parse(whole) as Json;
  const slots = stringSlots(copy).sort((a, b) => b.value.length - a.value.length);
  for (const slot of slots) {
    if (slot.value.length <= MIN_KEPT_CHARS) break;
    const fits = (keep: number): string | null => {
      slot.set(cutMiddle(slot.value, keep));
      const json = JSON.stringify(copy);
      return json.length <= maxChars ? json : null;
    };
    // The most of this string that fits, by bisection (JSON escapes make the size of a cut hard to predict).
    let low = MIN_KEPT_CHARS;
    let high = slot.value.length - 1;
    let best = fits(low);
    if (!best) continue; // even cut to its minimum the rest is too big: cut the next one too
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      const json = fits(mid);
      if (json) {
        best = json;
        low = mid;
      } else high = mid - 1;
    }
    return fits(low) ?? best;
  }
  throw new DomainError('record_too_large', `the deploy output cannot be stored in ${maxChars} characters`, 500);
}

/** The columns of an output JSON: `output` holds the first part, `output1` … the rest, `outputParts` their count. */
export function outputColumns(json: string): Record<string, string | number> {
  const columns: Record<string, string | number> = {};
  let at = 0;
  let part = 0;
  do {
    let end = Math.min(at + OUTPUT_PART_CHARS, json.length);
    // Never split a surrogate pair across two columns: each must be valid UTF-16 on its own.
    if (end < json.length && isHighSurrogate(json.charCodeAt(end - 1))) end--;
    columns[part === 0 ? 'output' : `output${part}`] = json.slice(at, end);
    at = end;
    part++;
  } while (at < json.length);
  columns.outputParts = part;
  return columns;
}

/**
 * The output stored by outputColumns, or null when there is none. A row written before outputs were split holds a
 * single `output` column (no `outputParts`); one cut short by that old code does not parse and reads as null.
 */
export function outputFromColumns<T>(row: Record<string, unknown>): T | null {
  if (typeof row.output !== 'string' || row.output === '') return null;
  const parts = typeof row.outputParts === 'number' && row.outputParts > 0 ? row.outputParts : 1;
  let json = row.output;
  for (let part = 1; part < parts; part++) {
    const piece = row[`output${part}`];
    if (typeof piece !== 'string') return null;
    json += piece;
  }
  try {
    return JSON.parse(json) as T;
  } catch {
    return null;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** VALUE shortened to about KEEP characters: its head and tail around a marker saying how much is gone. */
function cutMiddle(value: string, keep: number): string {
  let head = Math.ceil(keep / 2);
  let tail = value.length - Math.floor(keep / 2);
  if (isHighSurrogate(value.charCodeAt(head - 1))) head--;
  if (isLowSurrogate(value.charCodeAt(tail))) tail++;
  return `${value.slice(0, head)}${marker(tail - head)}${value.slice(tail)}`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Every string value in VALUE, with a setter that replaces it in place. */
function stringSlots(value: Json): { value: string; set(next: string): void }[] {
  const slots: { value: string; set(next: string): void }[] = [];
  const visit = (node: Json): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        if (typeof item === 'string') slots.push({ value: item, set: (next) => (node[i] = next) });
        else visit(item);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        if (typeof item === 'string') slots.push({ value: item, set: (next) => (node[key] = next) });
        else visit(item);
      }
    }
  };
  visit(value);
  return slots;
}
