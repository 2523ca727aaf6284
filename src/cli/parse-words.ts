// The words of a subcommand parsed by node:util's parseArgs, its complaints (an unknown option,
// a missing value) turned into UsageError: one place for what every subcommand's parser does
// first.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

interface WordsConfig<T extends ParseArgsOptionsConfig> {
  args: string[];
  allowPositionals: true;
  options: T;
}

/** What parseArgs returns for these options: typed values and the positionals. */
export type Words<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<WordsConfig<T>>>;

/** parseArgs over `argv` with positionals allowed; throws UsageError where parseArgs throws. */
export function parseWords<const T extends ParseArgsOptionsConfig>(argv: string[], options: T): Words<T> {
  try {
    return parseArgs<WordsConfig<T>>({ args: argv, allowPositionals: true, options });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
