// One error type per kind of failure, mapped to an HTTP status (web) or exit code (CLI) in one place.
// The message is a catalogue key so that every user sees it in their language.
import type { MessageKey } from './i18n/index.ts';

export type Params = Record<string, string | number>;

export class DomainError extends Error {
  readonly status: number = 400;
  constructor(
    readonly key: MessageKey,
    readonly params: Params = {},
  ) {
    super(key + (Object.keys(params).length ? ' ' + JSON.stringify(params) : ''));
    this.name = new.target.name;
  }
}
/** Input that cannot be accepted as it is (form, file, argument). */
export class InvalidInput extends DomainError {
  override readonly status = 400;
}
export class NotFound extends DomainError {
  override readonly status = 404;
}
/** Signed in but not allowed. */
export class Forbidden extends DomainError {
  override readonly status = 403;
}
/** Conflicts with the current state (already done, already exists). */
export class Conflict extends DomainError {
  override readonly status = 409;
}
export class TooMany extends DomainError {
  override readonly status = 429;
}
export class TooLarge extends DomainError {
  override readonly status = 413;
}

/** A PostgreSQL unique_violation (SQLSTATE 23505), the same on PGlite and on a server. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
