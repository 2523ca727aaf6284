// A self-signed certificate made by openssl for one test run (EC P-256, valid one day), for the
// TLS tests on our sockets. The files go into a temp dir the caller removes.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCert {
  key: Buffer;
  cert: Buffer;
  certFile: string;
}

/** `subjectAltName` e.g. 'DNS:tcpwasm.test' or 'IP:198.51.100.2,IP:2001:db8::2'. */
export function selfSignedCert(dir: string, subjectAltName: string): TestCert {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=tcpwasm.test',
      '-addext',
      `subjectAltName=${subjectAltName}`,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}
