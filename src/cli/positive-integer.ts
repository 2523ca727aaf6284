// A whole-number option value, checked the same way by every command.

import { UsageError } from './usage-error.js';

/** `text` as a whole number from 1 to `max`, undefined when absent; a UsageError naming --NAME otherwise. */
export function positiveInteger(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text) || Number(text) > max)
    throw new UsageError(`--${name} expects a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}
