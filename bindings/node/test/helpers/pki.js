'use strict';
// A throwaway CA and server certificates for TLS tests, made by tests/tls/make_test_pki.sh
// in a temporary folder; remove() deletes it again. No private key is ever committed.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const MAKE_PKI = path.join(__dirname, '..', '..', '..', '..', 'tests', 'tls', 'make_test_pki.sh');

function makeTestPki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotstate-pki-'));
  execFileSync('bash', [MAKE_PKI, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    path: (name) => path.join(dir, name),
    serverFlags: (name = 'server') => ['--tls-cert', path.join(dir, `${name}.pem`), '--tls-key', path.join(dir, `${name}.key`)],
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

module.exports = { makeTestPki };
