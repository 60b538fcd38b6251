/**
 * Wall-clock times for grid signals: ISO 8601 date-times to epoch seconds, with or without an offset. A time
 * without an offset is read in a named zone: 'UTC', a fixed offset ('+05:30'), or an IANA name
 * ('America/Los_Angeles', resolved through Node's ICU data, so daylight saving is handled).
 */
import { parseTimestamp } from '../workload/azureTrace.js';

const OFFSET_AT_END = /(Z|[+-]\d\d(:?\d\d)?)$/;
const FIXED_OFFSET = /^([+-])(\d\d):?(\d\d)$/;

/** Whether the text ends with an explicit zone (Z or ±HH[:MM]) after the seconds. */
export function hasOffset(text: string): boolean {
  return text.length > 19 && OFFSET_AT_END.test(text.slice(19));
}

/** Whether `zone` names a zone this module can use. */
export function isKnownZone(zone: string): boolean {
  if (zone === 'UTC' || FIXED_OFFSET.test(zone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Seconds the zone is ahead of UTC at the instant `epochSeconds`. */
function zoneOffsetSeconds(zone: string, epochSeconds: number): number {
  if (zone === 'UTC') return 0;
  const fixed = FIXED_OFFSET.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 3600 + Number(fixed[3]) * 60);
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(Math.floor(epochSeconds) * 1000))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) / 1000;
  return local - Math.floor(epochSeconds);
}

/**
 * Epoch seconds of a date-time text, or NaN when it is not one. Without an offset in the text, the wall time
 * is read in `zone` (undefined: such a text is rejected, returning NaN, so a caller can ask for a zone).
 */
export function parseWallClock(text: string, zone: string | undefined): number {
  const out = { seconds: 0, fraction: 0 };
  if (!parseTimestamp(text, out)) return Number.NaN;
  const asUtc = out.seconds + out.fraction;
  if (hasOffset(text)) return asUtc;
  if (zone === undefined) return Number.NaN;
  // The wall time read as UTC is off by the zone's offset at the instant itself; two rounds settle it except in
  // a daylight-saving gap, where the later offset is taken.
  let t = asUtc - zoneOffsetSeconds(zone, asUtc);
  t = asUtc - zoneOffsetSeconds(zone, t);
  return t;
}

/** `2022-11-16T18:00:00Z` (fractions of a second kept when present). */
export function formatUtc(epochSeconds: number): string {
  const iso = new Date(epochSeconds * 1000).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}
