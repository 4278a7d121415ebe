'use strict';
// The error classes of lib/errors.js against the hs_status enum of hotstate.h. Would catch
// a status added to the C ABI without its entry here (it would surface as a bare
// HotstateError with a code no class names), or an entry for a status the header lacks.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { classesByCode, HotstateError } = require('../lib/errors');

const HEADER = path.join(__dirname, '..', '..', '..', 'capi', 'include', 'hotstate.h');

// {name: number} of every HS_ERR_* of `typedef enum hs_status` in hotstate.h.
function headerStatuses() {
  const text = fs.readFileSync(HEADER, 'utf8');
  const body = /typedef enum hs_status \{([\s\S]*?)\} hs_status;/.exec(text);
  assert.ok(body, `no hs_status enum in ${HEADER}`);
  const statuses = {};
  for (const [, name, number] of body[1].matchAll(/\b(HS_\w+)\s*=\s*(\d+)/g)) statuses[name] = Number(number);
  assert.equal(statuses.HS_OK, 0);
  delete statuses.HS_OK;
  return statuses;
}

test('every status of hotstate.h has its entry in the error table, and nothing else does', () => {
  const header = headerStatuses();
  const table = Object.keys(classesByCode).filter((code) => code !== 'default');
  assert.deepEqual(table.sort(), Object.keys(header).sort());
  // The numbers are distinct and stable: the addon names a status with hs_status_name.
  assert.equal(new Set(Object.values(header)).size, Object.keys(header).length);
});

test('each entry is a HotstateError whose code is its status name', () => {
  for (const [code, cls] of Object.entries(classesByCode)) {
    assert.ok(cls === HotstateError || cls.prototype instanceof HotstateError, code);
    if (code !== 'default' && cls !== HotstateError) assert.equal(new cls('m').code, code);
  }
});
