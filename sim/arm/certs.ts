// The sim's local certificate authority and the server certificate its HTTPS ports use (ARM and the AKS API
// server). Azure SDKs send bearer tokens only over https, so the management plane needs real TLS; the app trusts
// the CA through NODE_EXTRA_CA_CERTS (docs/sim.md, "The management plane").
//
// Made once per state directory and reused while valid, so a process started with NODE_EXTRA_CA_CERTS keeps
// trusting a sim that restarts. The CA key never leaves STATE_DIR/tls (mode 0600).
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface SimCerts {
  /** PEM of the CA: what clients trust. */
  caPem: string;
  /** Path of that PEM (the value for NODE_EXTRA_CA_CERTS). */
  caPath: string;
  /** Server certificate (for 127.0.0.1 and localhost) and its key, PEM. */
  certPem: string;
  keyPem: string;
  /**
   * The AKS cluster user's client certificate and key (CN clusterUser): what listClusterUserCredential hands out,
   * as AKS does for clusters with local accounts. A credential: kept 0600, never logged.
   */
  clientCertPem: string;
  clientKeyPem: string;
}

const DAY_MS = 24 * 60 * 60_000;
/** Reuse a saved certificate only while it has at least this long to live. */
const MIN_REMAINING_MS = 7 * DAY_MS;
const LIFETIME_MS = 397 * DAY_MS;

export async function ensureCerts(stateDir: string): Promise<SimCerts> {
  const dir = join(stateDir, 'tls');
  const paths = {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'cluster-user.pem'),
    clientKey: join(dir, 'cluster-user-key.pem'),
  };
  const saved = readSaved(paths);
  if (saved) return saved;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const made = await generate();
  writeFileSync(paths.key, made.keyPem, { mode: 0o600 });
  writeFileSync(paths.cert, made.certPem, { mode: 0o644 });
  writeFileSync(paths.clientKey, made.clientKeyPem, { mode: 0o600 });
  writeFileSync(paths.clientCert, made.clientCertPem, { mode: 0o600 });
  writeFileSync(paths.ca, made.caPem, { mode: 0o644 });
  return { ...made, caPath: paths.ca };
}

function readSaved(paths: Record<'ca' | 'cert' | 'key' | 'clientCert' | 'clientKey', string>): SimCerts | undefined {
  try {
    const read = (p: string): string => readFileSync(p, 'utf8');
    const saved = {
      caPem: read(paths.ca),
      caPath: paths.ca,
      certPem: read(paths.cert),
      keyPem: read(paths.key),
      clientCertPem: read(paths.clientCert),
      clientKeyPem: read(paths.clientKey),
    };
    const ca = forge.pki.certificateFromPem(saved.caPem);
    const leaves = [saved.certPem, saved.clientCertPem].map((p) => forge.pki.certificateFromPem(p));
    const until = Math.min(ca.validity.notAfter.getTime(), ...leaves.map((l) => l.validity.notAfter.getTime()));
    if (until - Date.now() < MIN_REMAINING_MS || !leaves.every((l) => ca.verify(l))) return undefined;
    return saved;
  } catch {
    return undefined;
  }
}

const newRsaKey = promisify(generateKeyPair);

/**
 * RSA keys come from node:crypto (native, off the event loop, made in parallel); node-forge only builds and signs
 * the certificates.
 */
async function keyPair(): Promise<{
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
}> {
  const { privateKey } = await newRsaKey('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e), pem };
}

async function generate(): Promise<Omit<SimCerts, 'caPath'>> {
  const notBefore = new Date(Date.now() - 60 * 60_000);
  const notAfter = new Date(Date.now() + LIFETIME_MS);
  const [caKeys, keys, userKeys] = await Promise.all([keyPair(), keyPair(), keyPair()]);
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serial();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = notAfter;
  const caName = [{ name: 'commonName', value: `elb-sim local CA ${new Date().toISOString().slice(0, 10)}` }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const leaf = forge.pki.createCertificate();
  leaf.publicKey = keys.publicKey;
  leaf.serialNumber = serial();
  leaf.validity.notBefore = notBefore;
  leaf.validity.notAfter = notAfter;
  leaf.setSubject([{ name: 'commonName', value: '127.0.0.1' }]);
  leaf.setIssuer(caName);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(caKeys.privateKey, forge.md.sha256.create());

  const user = forge.pki.createCertificate();
  user.publicKey = userKeys.publicKey;
  user.serialNumber = serial();
  user.validity.notBefore = notBefore;
  user.validity.notAfter = notAfter;
  user.setSubject([
    { name: 'commonName', value: 'clusterUser' },
    { name: 'organizationName', value: 'system:masters' },
  ]);
  user.setIssuer(caName);
  user.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  user.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(leaf),
    keyPem: keys.pem,
    clientCertPem: forge.pki.certificateToPem(user),
    clientKeyPem: userKeys.pem,
  };
}

function serial(): string {
  // A positive 16-byte serial (high bit clear), as RFC 5280 asks.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}
