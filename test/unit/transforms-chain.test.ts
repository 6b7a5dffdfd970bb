import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigDef, ConfigError, NO_DEFAULT, type Transformation, type ConnectRecord, type Props } from '../../src/connect/api/index.js';
import { Headers, sinkRecord, sourceRecord, type SourceRecord } from '../../src/connect/api/records.js';
import {
  buildTransformationChain, descriptorResolver, predicatePlugins, transformPlugins, transformsConfigDef,
  validateTransformations, type PluginResolver,
} from '../../src/connect/transforms/index.js';

const builtins = descriptorResolver();
const rec = (topic: string, value: unknown = { a: 1 }, headers = new Headers()) =>
  sinkRecord({ topic, kafkaPartition: 0, kafkaOffset: 5, value, headers });

function assertConfigError(fn: () => unknown, key: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.ok(e.errors[key], `expected an error for ${key}, got ${JSON.stringify(e.errors)}`);
    assert.match(e.errors[key]!.join('\n'), pattern);
    assert.match(e.message, /Connector configuration is invalid and contains the following \d+ error\(s\)/);
    return true;
  });
}

describe('registry', () => {
  test('full class names and simple-name aliases', () => {
    const names = transformPlugins.map((d) => d.className);
    assert.ok(names.includes('org.apache.kafka.connect.transforms.InsertField$Value'));
    assert.ok(names.includes('org.apache.kafka.connect.transforms.RegexRouter'));
    assert.equal(new Set(names).size, names.length);
    assert.equal(transformPlugins.length, 26);
    assert.deepEqual(predicatePlugins.map((d) => d.aliases![0]), ['HasHeaderKey', 'RecordIsTombstone', 'TopicNameMatches']);
    assert.ok(transformPlugins.every((d) => d.kind === 'transformation' && d.aliases![0] === d.className.split('.').pop()));
    for (const d of [...transformPlugins, ...predicatePlugins]) {
      const inst = d.create() as { config(): ConfigDef };
      assert.ok(inst.config() instanceof ConfigDef, d.className);
    }
    assert.ok(builtins('InsertField$Key', 'transformation'));
    assert.equal(builtins('InsertField$Key', 'predicate'), null);
    assert.ok(builtins('org.apache.kafka.connect.transforms.predicates.TopicNameMatches', 'predicate'));
  });
});

describe('buildTransformationChain', () => {
  test('applies transforms in order with aliases or class names', () => {
    const chain = buildTransformationChain({
      transforms: 'insert, route',
      'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.insert.static.field': 'origin',
      'transforms.insert.static.value': 'eu',
      'transforms.route.type': 'RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': 'copy.$1',
    }, builtins);
    assert.deepEqual(chain.stages.map((s) => [s.alias, s.className]), [['insert', 'org.apache.kafka.connect.transforms.InsertField$Value'], ['route', 'RegexRouter']]);
    const out = chain.apply(rec('orders'))!;
    assert.equal(out.topic, 'copy.orders');
    assert.deepEqual(out.value, { a: 1, origin: 'eu' });
    chain.close();
  });

  test('no transforms gives an identity chain', () => {
    const chain = buildTransformationChain({ name: 'c' }, builtins);
    const r = rec('t');
    assert.equal(chain.apply(r), r);
    assert.equal(chain.stages.length, 0);
  });

  test('predicates with and without negate; Filter drops', () => {
    const config = {
      transforms: 'dropTombstones,dropOthers',
      'transforms.dropTombstones.type': 'Filter',
      'transforms.dropTombstones.predicate': 'isTombstone',
      'transforms.dropOthers.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.dropOthers.predicate': 'isOrders',
      'transforms.dropOthers.negate': 'true',
      predicates: 'isTombstone,isOrders',
      'predicates.isTombstone.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone',
      'predicates.isOrders.type': 'TopicNameMatches',
      'predicates.isOrders.pattern': 'orders.*',
    };
    const chain = buildTransformationChain(config, builtins);
    assert.equal(chain.apply(rec('orders', null)), null, 'tombstone dropped');
    assert.equal(chain.apply(rec('payments')), null, 'non-matching topic dropped by negated predicate');
    const kept = rec('orders-eu');
    assert.equal(chain.apply(kept), kept);
    assert.notEqual(chain.stages[0]!.predicate, chain.stages[1]!.predicate);
    assert.equal(chain.stages[1]!.negate, true);
  });

  test('HasHeaderKey predicate gates InsertHeader on source records', () => {
    const chain = buildTransformationChain<SourceRecord>({
      transforms: 'mark',
      'transforms.mark.type': 'InsertHeader',
      'transforms.mark.header': 'seen',
      'transforms.mark.value.literal': 'true',
      'transforms.mark.predicate': 'traced',
      predicates: 'traced',
      'predicates.traced.type': 'HasHeaderKey',
      'predicates.traced.name': 'trace-id',
    }, builtins);
    const traced = sourceRecord({ topic: 't', value: 1, headers: new Headers().addString('trace-id', 'x') });
    const plain = sourceRecord({ topic: 't', value: 1 });
    assert.equal(chain.apply(traced)!.headers.lastWithName('seen')!.value, true);
    assert.equal(chain.apply(plain), plain);
  });

  test('unknown transform class names the key and class', () => {
    assertConfigError(() => buildTransformationChain({ transforms: 'x', 'transforms.x.type': 'com.example.Nope' }, builtins),
      'transforms.x.type', /Invalid value com\.example\.Nope for configuration transforms\.x\.type: Class com\.example\.Nope could not be found/);
  });

  test('missing type, duplicate aliases', () => {
    assertConfigError(() => buildTransformationChain({ transforms: 'x' }, builtins), 'transforms.x.type', /Missing required configuration "transforms\.x\.type"/);
    assertConfigError(() => buildTransformationChain({ transforms: 'a,a', 'transforms.a.type': 'Filter' }, builtins), 'transforms', /Duplicate alias provided/);
    assertConfigError(() => buildTransformationChain({ predicates: 'p,p', 'predicates.p.type': 'RecordIsTombstone' }, builtins), 'predicates', /Duplicate alias provided/);
  });

  test('predicate references must be defined; negate needs a predicate', () => {
    assertConfigError(() => buildTransformationChain({ transforms: 'f', 'transforms.f.type': 'Filter', 'transforms.f.predicate': 'ghost' }, builtins),
      'transforms.f.predicate', /predicate alias 'ghost' is not defined in 'predicates'/);
    assertConfigError(() => buildTransformationChain({ transforms: 'f', 'transforms.f.type': 'Filter', 'transforms.f.negate': 'true' }, builtins),
      'transforms.f.negate', /was provided to a transform without also providing 'transforms\.f\.predicate'/);
    assertConfigError(() => buildTransformationChain({
      transforms: 'f', 'transforms.f.type': 'Filter', 'transforms.f.predicate': 'p', 'transforms.f.negate': 'maybe',
      predicates: 'p', 'predicates.p.type': 'RecordIsTombstone',
    }, builtins), 'transforms.f.negate', /Expected value to be either true or false/);
  });

  test('wrong plugin kind and bad predicate configs', () => {
    assertConfigError(() => buildTransformationChain({ transforms: 'x', 'transforms.x.type': 'TopicNameMatches' }, builtins), 'transforms.x.type', /could not be found/);
    const wrongKind: PluginResolver = () => ({ create: () => ({ hello: 1 }) });
    assertConfigError(() => buildTransformationChain({ transforms: 'x', 'transforms.x.type': 'Weird' }, wrongKind), 'transforms.x.type', /Not a Transformation/);
    assertConfigError(() => buildTransformationChain({ predicates: 'p', 'predicates.p.type': 'TopicNameMatches' }, builtins),
      'predicates.p.pattern', /Missing required configuration "predicates\.p\.pattern"/);
  });

  test('a referenced predicate with an unknown class fails the build', () => {
    assertConfigError(() => buildTransformationChain({
      transforms: 'f', 'transforms.f.type': 'Filter', 'transforms.f.predicate': 'p',
      predicates: 'p', 'predicates.p.type': 'com.example.NoSuchPredicate',
    }, builtins), 'predicates.p.type', /Class com\.example\.NoSuchPredicate could not be found/);
  });

  test('a resolver that returns fresh instances or throws for unknown classes (as the runtime registry does)', () => {
    const registryLike: PluginResolver = (name, kind) => {
      const d = [...transformPlugins, ...predicatePlugins].find((x) => x.kind === kind && (x.className === name || x.aliases?.includes(name)));
      if (!d) throw new Error(`Class ${name} could not be found.`);
      return d.create();
    };
    const chain = buildTransformationChain({
      transforms: 'a,b', 'transforms.a.type': 'Filter', 'transforms.a.predicate': 't', 'transforms.b.type': 'Filter', 'transforms.b.predicate': 't', 'transforms.b.negate': 'true',
      predicates: 't', 'predicates.t.type': 'RecordIsTombstone',
    }, registryLike);
    assert.notEqual(chain.stages[0]!.transformation, chain.stages[1]!.transformation);
    assert.notEqual(chain.stages[0]!.predicate, chain.stages[1]!.predicate);
    assert.equal(chain.apply(rec('t', null)), null);
    assertConfigError(() => buildTransformationChain({ transforms: 'x', 'transforms.x.type': 'Nope' }, registryLike),
      'transforms.x.type', /^Invalid value Nope for configuration transforms\.x\.type: Class Nope could not be found\.$/);
  });

  test('plugin config errors are reported under prefixed keys', () => {
    assertConfigError(() => buildTransformationChain({ transforms: 'c', 'transforms.c.type': 'Cast$Value', 'transforms.c.spec': 'a:int99' }, builtins),
      'transforms.c.spec', /Invalid type found in casting spec: int99/);
    assertConfigError(() => buildTransformationChain({ transforms: 'i', 'transforms.i.type': 'InsertField$Value' }, builtins),
      'transforms.i.type', /No field insertion configured/);
    assertConfigError(() => buildTransformationChain({ transforms: 'h', 'transforms.h.type': 'HeaderFrom$Value', 'transforms.h.fields': 'a,b', 'transforms.h.headers': 'a', 'transforms.h.operation': 'copy' }, builtins),
      'transforms.h.fields', /same number of elements/);
  });

  test('resolver may return constructors; plugins see prefix-stripped props without predicate/negate', () => {
    const seen: Props[] = [];
    let closed = 0;
    class Upper implements Transformation {
      configure(props: Props): void { seen.push(props); }
      apply<R extends ConnectRecord>(r: R): R { return { ...r, topic: r.topic.toUpperCase() }; }
      config(): ConfigDef { return new ConfigDef().define({ name: 'mode', type: 'STRING', defaultValue: NO_DEFAULT }); }
      close(): void { closed++; }
    }
    const resolver: PluginResolver = (name, kind) => (name === 'Upper' && kind === 'transformation' ? Upper : builtins(name, kind));
    const chain = buildTransformationChain({
      transforms: 'u', 'transforms.u.type': 'Upper', 'transforms.u.mode': 'x', 'transforms.u.predicate': 'p',
      predicates: 'p', 'predicates.p.type': 'RecordIsTombstone',
    }, resolver);
    assert.deepEqual(seen, [{ type: 'Upper', mode: 'x' }]);
    const closedBefore = closed; // the instance used only to read config() is closed during the build
    assert.equal(chain.apply(rec('abc', null))!.topic, 'ABC');
    assert.equal(chain.apply(rec('abc'))!.topic, 'abc');
    chain.close();
    assert.equal(closed, closedBefore + 1);
  });
});

describe('validateTransformations', () => {
  test('lists per-alias keys in "Transforms: <alias>" groups with their ConfigDef', () => {
    const v = validateTransformations({
      transforms: 'route',
      'transforms.route.type': 'RegexRouter',
      'transforms.route.regex': 'a',
      'transforms.route.replacement': 'b',
      predicates: 'p',
      'predicates.p.type': 'TopicNameMatches',
      'predicates.p.pattern': 'x',
    }, builtins, { recommendedTransformations: transformPlugins.map((d) => d.className) });
    assert.equal(v.errorCount, 0);
    assert.deepEqual(v.groups, ['Transforms: route', 'Predicates: p']);
    const byName = new Map(v.configs.map((c) => [c.definition.name, c]));
    assert.deepEqual([...byName.keys()].sort(), [
      'predicates.p.pattern', 'predicates.p.type',
      'transforms.route.negate', 'transforms.route.predicate', 'transforms.route.regex', 'transforms.route.replacement', 'transforms.route.type',
    ]);
    const type = byName.get('transforms.route.type')!;
    assert.equal(type.definition.group, 'Transforms: route');
    assert.equal(type.definition.type, 'CLASS');
    assert.equal(type.definition.required, true);
    assert.equal(type.definition.order, 0);
    assert.equal(type.value.value, 'RegexRouter');
    assert.ok(type.value.recommended_values.includes('org.apache.kafka.connect.transforms.RegexRouter'));
    assert.equal(byName.get('transforms.route.negate')!.value.value, 'false');
    assert.equal(byName.get('transforms.route.regex')!.definition.group, 'Transforms: route');
    assert.equal(byName.get('predicates.p.pattern')!.definition.group, 'Predicates: p');
    assert.ok(v.configDef.has('transforms.route.replacement'));
  });

  test('collects every error per key instead of throwing', () => {
    const v = validateTransformations({
      transforms: 'a,b,c',
      'transforms.a.type': 'nope.Missing',
      'transforms.b.type': 'MaskField$Value',
      'transforms.c.type': 'Filter',
      'transforms.c.predicate': 'undefinedPredicate',
    }, builtins);
    assert.deepEqual(Object.keys(v.errors).sort(), ['transforms.a.type', 'transforms.b.fields', 'transforms.c.predicate']);
    assert.equal(v.errorCount, 3);
    const fields = v.configs.find((c) => c.value.name === 'transforms.b.fields')!;
    assert.equal(fields.value.errors.length, 1);
    assert.match(fields.value.errors[0]!, /Missing required configuration "transforms\.b\.fields"/);
    assert.equal(v.configs.find((c) => c.value.name === 'transforms.a.type')!.value.errors.length, 1);
  });

  test('duplicate aliases are reported as an entry for the transforms key', () => {
    const v = validateTransformations({ transforms: 'f,f', 'transforms.f.type': 'Filter' }, builtins);
    const entry = v.configs.find((c) => c.value.name === 'transforms')!;
    assert.equal(entry.definition.group, 'Transforms');
    assert.match(entry.value.errors[0]!, /Duplicate alias provided/);
    assert.equal(v.errorCount, 1);
  });

  test('transformsConfigDef defines the connector-level keys', () => {
    const def = transformsConfigDef();
    assert.equal(def.get('transforms')!.group, 'Transforms');
    assert.equal(def.get('predicates')!.group, 'Predicates');
    assert.throws(() => def.parse({ transforms: 'a,a' }), /Duplicate alias provided/);
  });
});
