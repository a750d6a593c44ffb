import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { certificateThumbprint } from './certificate-thumbprint.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed client certificate made by the openssl CLI for this run, and its DER form. */
function makeCertificate(): { pem: string; der: Buffer } {
  const pemPath = join(dir, 'cert.pem');
  const derPath = join(dir, 'cert.der');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      pemPath,
      '-days',
      '1',
      '-subj',
      '/CN=tollgate-test-client',
    ],
    { stdio: 'ignore' },
  );
  execFileSync('openssl', ['x509', '-in', pemPath, '-outform', 'DER', '-out', derPath], { stdio: 'ignore' });
  return { pem: readFileSync(pemPath, 'utf8'), der: readFileSync(derPath) };
}

describe('certificateThumbprint', () => {
  const { pem, der } = makeCertificate();

  it('is base64url(SHA-256(DER)), from DER bytes or an X509Certificate alike', () => {
    const expected = execFileSync(
      'openssl',
      ['x509', '-in', join(dir, 'cert.pem'), '-noout', '-fingerprint', '-sha256'],
      { encoding: 'utf8' },
    );
    const hex = expected.trim().split('=')[1]!.replaceAll(':', '');
    const fromOpenssl = Buffer.from(hex, 'hex').toString('base64url');
    expect(certificateThumbprint(der)).toBe(fromOpenssl);
    expect(certificateThumbprint(new X509Certificate(pem))).toBe(fromOpenssl);
    expect(fromOpenssl).toBe(createHash('sha256').update(new X509Certificate(pem).raw).digest('base64url'));
    expect(fromOpenssl).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
