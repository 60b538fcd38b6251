/** ajv's first validation error as one readable sentence: where, and what was expected (scenarios, profiles, sweeps). */
import type { ErrorObject } from 'ajv';

/** One readable sentence from ajv's first error: where, and what was expected. */
export function describeAjvError(e: ErrorObject): { place: string; detail: string } {
  const place = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties':
      return { place, detail: `unknown property '${(e.params as { additionalProperty: string }).additionalProperty}'` };
    case 'required':
      return { place, detail: `missing required property '${(e.params as { missingProperty: string }).missingProperty}'` };
    case 'enum':
      return { place, detail: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` };
    case 'discriminator': {
      const p = e.params as { tag: string; tagValue?: unknown };
      return { place: `${place}/${p.tag}`, detail: `unknown ${p.tag} ${JSON.stringify(p.tagValue)}` };
    }
    case 'type': {
      // Only a verbose validator says what it found.
      if (e.schema === undefined) return { place, detail: e.message ?? 'is invalid' };
      const expected = (e.params as { type: string }).type;
      const example = (e.parentSchema as { examples?: unknown[] } | undefined)?.examples?.[0];
      return {
        place,
        detail: `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}, found ${describeValue(e.data)}` + (example === undefined ? '' : ` (for example ${JSON.stringify(example)})`),
      };
    }
    default:
      return { place, detail: e.message ?? 'is invalid' };
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `the ${typeof v} ${JSON.stringify(v)}`;
}
