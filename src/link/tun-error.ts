// The one error type TunDevice throws: a stable `code` to match on, and a message that says
// what to do about it.

export type TunErrorCode =
  /** No CAP_NET_ADMIN (or no permission on /dev/net/tun). */
  | 'EPERM'
  /** /dev/net/tun is missing (the tun module is not loaded), or the namespace does not exist. */
  | 'ENOENT'
  /** The interface name is in use (by another device, here or in the target namespace). */
  | 'EBUSY'
  /** The native addon did not build or does not load. */
  | 'ENOADDON'
  /** An option has a value the kernel would refuse (name, MTU, address). */
  | 'EINVAL'
  /** `ip` failed configuring the device (addresses, MTU, namespace); its stderr is quoted. */
  | 'ECONFIG'
  /** Any other system error, by its errno name. */
  | 'EIO';

export class TunError extends Error {
  readonly code: TunErrorCode;
  /** The system error name behind it (EACCES, ENODEV...) where there was one. */
  readonly errno: string | undefined;

  constructor(code: TunErrorCode, message: string, options?: { cause?: unknown; errno?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TunError';
    this.code = code;
    this.errno = options?.errno;
  }
}

/** The TunError for a failure of the native open() (an Error whose code is an errno name). */
export function tunErrorFromOpen(error: unknown, name: string): TunError {
  const errno = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  const e = typeof errno === 'string' ? errno : undefined;
  switch (e) {
    case 'EPERM':
    case 'EACCES':
      return new TunError(
        'EPERM',
        `cannot create TUN device ${name}: needs CAP_NET_ADMIN (run as root or grant the capability) (${detail})`,
        { cause: error, errno: e },
      );
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
      return new TunError(
        'ENOENT',
        `cannot create TUN device ${name}: /dev/net/tun missing (modprobe tun) (${detail})`,
        { cause: error, errno: e },
      );
    case 'EBUSY':
    case 'EEXIST':
      return new TunError('EBUSY', `cannot create TUN device ${name}: name in use (${detail})`, {
        cause: error,
        errno: e,
      });
    case 'EINVAL':
      return new TunError('EINVAL', `cannot create TUN device ${name}: ${detail}`, { cause: error, errno: e });
    default:
      return new TunError('EIO', `cannot create TUN device ${name}: ${detail}`, { cause: error, errno: e });
  }
}
