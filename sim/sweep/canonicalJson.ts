/**
 * Canonical JSON (object keys sorted, no whitespace) and its SHA-256: the same settings give the same text however
 * their keys were ordered in the file, so ids and fingerprints derive from what a variant is, not how it was written.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** 12 hex digits (48 bits): a collision among even a million variants has odds of about 2 in a billion. */
export function shortHash(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, 12);
}
