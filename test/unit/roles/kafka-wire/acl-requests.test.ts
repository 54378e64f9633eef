/**
 * DescribeAcls, CreateAcls and DeleteAcls against a fake broker on loopback: the filters and
 * bindings as sent (decoded field by field, v3 flexible), the answers decoded into bindings
 * with their names, errors thrown with Kafka's name and message.
 */
import { describe, expect, it } from 'vitest';
import { WireWriter, type WireReader } from '../../../../src/roles/kafka/wire/codec.js';
import { API, KafkaWireConnection } from '../../../../src/roles/kafka/wire/connection.js';
import { ALL_ACLS, describeAcls, type AclBinding } from '../../../../src/roles/kafka/wire/describe-acls.js';
import { createAcls } from '../../../../src/roles/kafka/wire/create-acls.js';
import { deleteAcls } from '../../../../src/roles/kafka/wire/delete-acls.js';
import { useFakeBrokers } from './fake-broker.js';

const { fakeBroker } = useFakeBrokers();

async function withConn<T>(port: number, fn: (c: KafkaWireConnection) => Promise<T>): Promise<T> {
  const c = await KafkaWireConnection.connect('127.0.0.1', port);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const readFilter = (r: WireReader) => ({ type: r.int8(), name: r.nullableString(), pattern: r.int8(), principal: r.nullableString(), host: r.nullableString(), op: r.int8(), perm: r.int8() });
const write: AclBinding = { resourceType: 'topic', resourceName: 'orders', patternType: 'literal', principal: 'User:app', host: '*', operation: 'write', permission: 'allow' };
const readGroup: AclBinding = { resourceType: 'group', resourceName: 'app-', patternType: 'prefixed', principal: 'User:app', host: '*', operation: 'read', permission: 'deny' };

describe('Kafka wire client: ACL requests', () => {
  it('DescribeAcls: the match-all filter as sent; resources with their ACLs flattened into named bindings', async () => {
    const seen: unknown[] = [];
    const port = await fakeBroker({ [API.describeAcls]: [1, 3] }, (k, v, r) => {
      if (k !== API.describeAcls || v !== 3) return undefined;
      seen.push(readFilter(r));
      r.tags();
      const w = new WireWriter(true).int32(0).int16(0).nullableString(null);
      w.array([[2, 'orders', 3, [['User:app', '*', 4, 3], ['User:app', '*', 3, 3]]], [3, 'app-', 4, [['User:app', '*', 3, 2]]]] as const, (x, [t, n, p, acls]) => {
        x.int8(t).string(n).int8(p);
        x.array(acls, (a, [pr, h, o, pe]) => a.string(pr).string(h).int8(o).int8(pe).tags());
        x.tags();
      });
      return w.tags().bytes();
    });
    const got = await withConn(port, (c) => describeAcls(c));
    expect(seen).toEqual([{ type: 1, name: null, pattern: 1, principal: null, host: null, op: 1, perm: 1 }]);
    expect(got).toEqual([write, { ...write, operation: 'read' }, readGroup]);
  });

  it('DescribeAcls: an error (no authorizer) throws with its name and message', async () => {
    const port = await fakeBroker({ [API.describeAcls]: [1, 3] }, (k) => (k === API.describeAcls ? new WireWriter(true).int32(0).int16(35).nullableString('No Authorizer is configured').array([], () => undefined).tags().bytes() : undefined));
    await expect(withConn(port, (c) => describeAcls(c, ALL_ACLS))).rejects.toThrow(/DescribeAcls failed: UNSUPPORTED_VERSION \(No Authorizer is configured\)/);
  });

  it('CreateAcls: each binding as sent (v2 when the broker tops out there); a refused binding throws naming it', async () => {
    const seen: unknown[] = [];
    const port = await fakeBroker({ [API.createAcls]: [1, 2] }, (k, v, r) => {
      if (k !== API.createAcls || v !== 2) return undefined;
      const creations = r.array((x) => {
        const c = { type: x.int8(), name: x.string(), pattern: x.int8(), principal: x.string(), host: x.string(), op: x.int8(), perm: x.int8() };
        x.tags();
        return c;
      });
      r.tags();
      seen.push(creations);
      const w = new WireWriter(true).int32(0);
      w.array(creations, (x, c) => x.int16(c.perm === 2 ? 42 : 0).nullableString(c.perm === 2 ? 'bad' : null).tags());
      return w.tags().bytes();
    });
    await withConn(port, async (c) => {
      await createAcls(c, [write]);
      await expect(createAcls(c, [write, readGroup])).rejects.toThrow(/CreateAcls deny User:app read on group app- failed: INVALID_REQUEST \(bad\)/);
      await createAcls(c, []);
    });
    expect(seen[0]).toEqual([{ type: 2, name: 'orders', pattern: 3, principal: 'User:app', host: '*', op: 4, perm: 3 }]);
    expect(seen).toHaveLength(2);
  });

  it('DeleteAcls: one exact filter per binding; the matching bindings counted; a filter matching nothing is done', async () => {
    const seen: unknown[] = [];
    const port = await fakeBroker({ [API.deleteAcls]: [1, 3] }, (k, _v, r) => {
      if (k !== API.deleteAcls) return undefined;
      const filters = r.array((x) => {
        const f = readFilter(x);
        x.tags();
        return f;
      });
      r.tags();
      seen.push(filters);
      const w = new WireWriter(true).int32(0);
      w.array(filters, (x, f) => {
        x.int16(0).nullableString(null);
        x.array(f.name === 'orders' ? [f] : [], (m, g) => m.int16(0).nullableString(null).int8(g.type).string(g.name!).int8(g.pattern).string(g.principal!).string(g.host!).int8(g.op).int8(g.perm).tags());
        x.tags();
      });
      return w.tags().bytes();
    });
    expect(await withConn(port, (c) => deleteAcls(c, [write, readGroup]))).toBe(1);
    expect(seen[0]).toEqual([
      { type: 2, name: 'orders', pattern: 3, principal: 'User:app', host: '*', op: 4, perm: 3 },
      { type: 3, name: 'app-', pattern: 4, principal: 'User:app', host: '*', op: 3, perm: 2 },
    ]);
  });
});
