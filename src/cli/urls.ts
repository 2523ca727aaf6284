// How to reach a session's services, as text for people: URLs and commands to try.

/** "198.51.100.2/24" → "198.51.100.2". */
export function bareAddress(withPrefix: string): string {
  return withPrefix.split('/')[0]!;
}

/** A URL for host and port: IPv6 in brackets, :80 left out. */
export function httpUrl(host: string, port: number, path = '/'): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}${port === 80 ? '' : `:${port}`}${path}`;
}

/** A command, prefixed with `ip netns exec NS` when the kernel side lives in a namespace. */
export function inNamespace(netns: string | undefined, command: string): string {
  return netns === undefined ? command : `ip netns exec ${netns} ${command}`;
}

/** curl needs -g to take an IPv6 literal in brackets. */
export function curlCommand(url: string): string {
  return url.includes('[') ? `curl -g '${url}'` : `curl ${url}`;
}
