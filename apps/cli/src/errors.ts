/**
 * An error the user can fix (bad flag, missing file, wrong env). The CLI prints its message
 * on one line and exits non-zero without a stack trace unless `--verbose` is given.
 */
export class UserError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A training verb stopped by SIGINT or SIGTERM after checkpointing: exits 128 + the signal's number. */
export class InterruptedError extends UserError {
  constructor(message: string, readonly signal: NodeJS.Signals) {
    super(message);
    this.name = 'InterruptedError';
  }
  get exitCode(): number {
    return this.signal === 'SIGINT' ? 130 : 143;
  }
}

/** Formats any thrown value as the one line the CLI prints. */
export function oneLine(err: unknown): string {
  if (err instanceof UserError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}
