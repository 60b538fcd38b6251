/**
 * Bad input is the user's problem to fix, not a crash: every such failure is an InputError that the CLI
 * prints as one line (`joulesim: FILE:PLACE: message`) with exit code 2 and no stack trace.
 */
export class InputError extends Error {
  constructor(
    /** The file (or flag, e.g. `--gpu`) the bad input came from. */
    readonly file: string,
    /** Where inside it: `line 12`, `/cluster/replicas`, `row 3 column input_tokens`; empty when the whole file. */
    readonly place: string,
    readonly detail: string,
  ) {
    super(place ? `${file}:${place}: ${detail}` : `${file}: ${detail}`);
    this.name = 'InputError';
  }
}

export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError;
}
