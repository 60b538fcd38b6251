/**
 * Where a scenario value came from, for error messages: a command-line flag that set it, or the scenario file and
 * its JSON path. A user who typed `--power-cap-w 50` must be told about the flag, not about a file they never
 * edited; a user whose file sets the model must be told about the file, not about a `--model` they never typed.
 */
import { InputError } from './errors.js';

/** JSON pointer (`/cluster/power_cap_w`) → the flag that set the value there (`--power-cap-w`). */
export type FlagPlaces = Readonly<Record<string, string>>;

export interface ValueSource {
  readonly file: string;
  readonly place: string;
}

function isWithin(pointer: string, prefix: string): boolean {
  return pointer === prefix || pointer.startsWith(prefix + '/');
}

/**
 * The flag whose pointer is the longest prefix of `pointer` (so `--top-p` at `/cluster/decoding/top_p` wins over
 * `--decoding` at `/cluster/decoding`), or the file and the pointer when no flag set it.
 */
export function sourceOf(file: string, flagPlaces: FlagPlaces | undefined, pointer: string): ValueSource {
  let best: string | undefined;
  for (const key of Object.keys(flagPlaces ?? {})) {
    if (isWithin(pointer, key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? { file, place: pointer } : { file: flagPlaces![best], place: '' };
}

/** The same as one string, for loaders that take a `source` label (`--gpu`, `s.json:/cluster/gpu`). */
export function sourceLabel(file: string, flagPlaces: FlagPlaces | undefined, pointer: string): string {
  const s = sourceOf(file, flagPlaces, pointer);
  return s.place ? `${s.file}:${s.place}` : s.file;
}

export function inputErrorAt(file: string, flagPlaces: FlagPlaces | undefined, pointer: string, detail: string): InputError {
  const s = sourceOf(file, flagPlaces, pointer);
  return new InputError(s.file, s.place, detail);
}
