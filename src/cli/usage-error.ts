// A command line the command cannot run: reported with the usage text, exit status 1.

export class UsageError extends Error {}
