import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/connect/api/index.js';
import {
  parseConnectorFile, parseProperties, readConnectorFile, readPropertiesFile, writeProperties,
} from '../../src/config/properties.js';
import { renderProperties } from '../../src/mirror/ops/flow.js';
import { resolveRawProperties } from '../../src/mirror/ops/context.js';
import { readMm2Config } from '../../src/mirror/dedicated.js';

describe('parseProperties', () => {
  it('handles separators, comments, blank lines and leading whitespace', () => {
    const text = [
      '# a comment',
      '! another comment',
      '',
      '   ',
      'a=1',
      'b:2',
      'c 3',
      '  d = 4  ',
      'e\t:\t5',
      'f',
      'g=',
      'h==x',
      'i = a = b',
      '\tj:k:l',
    ].join('\n');
    assert.deepEqual(parseProperties(text), {
      a: '1', b: '2', c: '3', d: '4  ', e: '5', f: '', g: '', h: '=x', i: 'a = b', j: 'k:l',
    });
  });

  it('decodes escapes in keys and values', () => {
    const text = String.raw`tab=a\tb
nl=a\nb
cr=a\rb
ff=a\fb
slash=a\\b
uni=caf\u00e9 \u263A
key\ with\ spaces=v
key\=eq\:colon=v2
other=\q\#`;
    assert.deepEqual(parseProperties(text), {
      tab: 'a\tb', nl: 'a\nb', cr: 'a\rb', ff: 'a\fb', slash: 'a\\b', uni: 'café ☺',
      'key with spaces': 'v', 'key=eq:colon': 'v2', other: 'q#',
    });
  });

  it('joins continuation lines (odd number of trailing backslashes only)', () => {
    const text = 'list=a,\\\n    b,\\\n\tc\neven=x\\\\\nnext=y\ncomment=1 \\\n# not a comment\n';
    assert.deepEqual(parseProperties(text), { list: 'a,b,c', even: 'x\\', next: 'y', comment: '1 # not a comment' });
    assert.deepEqual(parseProperties('a=b\\'), { a: 'b' });
  });

  it('a comment line ending in a backslash does not continue', () => {
    assert.deepEqual(parseProperties('# comment \\\na=1'), { a: '1' });
  });

  it('accepts \\r\\n and \\r line endings and the last duplicate wins', () => {
    assert.deepEqual(parseProperties('a=1\r\nb=2\rc=3\r\na=4'), { a: '4', b: '2', c: '3' });
  });

  it('keeps __proto__ as an ordinary key', () => {
    const p = parseProperties('__proto__=x');
    assert.equal(Object.getPrototypeOf(p), Object.prototype);
    assert.equal(p['__proto__'], 'x');
  });

  it('names the source and line of a malformed \\u escape', () => {
    assert.throws(() => parseProperties('a=1\n\nb=\\u12g4', 'worker.properties'), (e: Error) =>
      e instanceof ConfigError && /^worker\.properties:3: Malformed \\uxxxx encoding/.test(e.message));
    assert.throws(() => parseProperties('x=\\u12'), /<properties>:1: Malformed/);
  });
});

describe('writeProperties', () => {
  it('escapes what needs escaping and round-trips', () => {
    const map = { 'a key': ' leading space', 'k=:#!': 'v=:#!', tab: 'a\tb\nc', uni: 'café ☺ 😀', empty: '', back: 'c:\\dir' };
    const text = writeProperties(map, 'header');
    assert.ok(text.startsWith('# header\n'));
    assert.ok(text.includes('a\\ key=\\ leading space\n'));
    assert.ok(text.includes('uni=caf\\u00E9 \\u263A \\uD83D\\uDE00\n'));
    assert.deepEqual(parseProperties(text), map);
  });
});

describe('Java .properties round trips', () => {
  it('reads what Java reads: separators, continuations, escapes and unicode', () => {
    const text = [
      'sep.eq=1', 'sep.colon:2', 'sep.space 3', 'sep.mixed \t = 4', 'sep.none',
      'cont = first,\\', '     second,\\', '\t third', 'not.continued=ends with\\\\',
      'esc=\\t\\n\\r\\f|\\q\\ \\=\\:', 'uni=\\u00e9\\u263A\\uD83D\\uDE00', 'raw=café',
      'key\\ with\\:seps\\=in\\ it = v', '  # indented comment', '! bang comment', 'x.y=# not a comment',
    ].join('\n');
    assert.deepEqual(parseProperties(text), {
      'sep.eq': '1', 'sep.colon': '2', 'sep.space': '3', 'sep.mixed': '4', 'sep.none': '',
      cont: 'first,second,third', 'not.continued': 'ends with\\', esc: '\t\n\r\f|q =:', uni: 'é☺😀', raw: 'café',
      'key with:seps=in it': 'v', 'x.y': '# not a comment',
    });
  });

  it('writes text that reads back as the same map, for any key and value', () => {
    const map: Record<string, string> = {
      'a b': '  two leading', 'k=:#!\\': '#!=: \\', '#comment-like': '!bang', nl: 'line1\nline2\r\n', trail: 'ends with \\',
      'ünï': 'cödé ☺ 😀', '\t': '\f', empty: '', ' lead': 'x', 'c:\\dir': 'C:\\Program Files\\x',
    };
    assert.deepEqual(parseProperties(writeProperties(map)), map);
    assert.deepEqual(parseProperties(writeProperties(Object.entries(map), 'a\nmultiline\rcomment')), map);
  });

  it('mm2.properties rendered for an operator reads back as written', () => {
    const props = { clusters: 'a, b', 'a.bootstrap.servers': 'h:9092', 'a->b.enabled': 'true', 'a->b.topics': 'orders\\..*', 'x y': 'z=1' };
    const text = renderProperties(props, ['generated', 'second line']);
    assert.ok(text.startsWith('# generated\n# second line\nclusters=a, b\n'));
    assert.deepEqual(parseProperties(text), props);
  });
});

describe('one reader for mm2.properties', () => {
  it('`ferry mirror` and `ferry verify|failover` read the same file alike (BOM, ISO-8859-1, continuations, escapes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-mm2-'));
    try {
      const text = '\ufeffclusters = A, \\\n    B\nA.bootstrap.servers=a:1\nB.bootstrap.servers : b:1\nA->B.enabled true\nA->B.topics=caf\\u00e9\\..*\n';
      const utf8 = join(dir, 'utf8.properties');
      writeFileSync(utf8, text);
      const latin1 = join(dir, 'latin1.properties');
      writeFileSync(latin1, Buffer.from('clusters=A, B\nA.bootstrap.servers=a:1\nB.bootstrap.servers=b:1\nA->B.topics=caf\u00e9\n', 'latin1'));
      for (const file of [utf8, latin1]) {
        const ops = resolveRawProperties({ configFile: file }, 'A', 'B');
        assert.deepEqual(ops, readPropertiesFile(file));
        assert.equal(ops['clusters'], 'A, B');
        assert.match(ops['A->B.topics']!, /^café/);
      }
      assert.equal(readMm2Config(utf8).flows.find((f) => f.source === 'A' && f.target === 'B')?.replicationEnabled, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('connector files', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'ferry-props-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: string | Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };

  it('reads a .properties connector file', () => {
    const p = file('c.properties', 'name=local-file-source\nconnector.class=FileStreamSource\ntasks.max=1\n');
    assert.deepEqual(readConnectorFile(p), {
      name: 'local-file-source',
      config: { name: 'local-file-source', 'connector.class': 'FileStreamSource', 'tasks.max': '1' },
    });
  });

  it('reads a flat JSON map, coercing numbers and booleans to strings', () => {
    const p = file('flat.json', '{"name":"x","connector.class":"FileStreamSink","tasks.max":2,"errors.log.enable":true}');
    assert.deepEqual(readConnectorFile(p), {
      name: 'x', config: { name: 'x', 'connector.class': 'FileStreamSink', 'tasks.max': '2', 'errors.log.enable': 'true' },
    });
  });

  it('reads POST /connectors-shaped JSON with initial_state', () => {
    const p = file('req.json', JSON.stringify({ name: 'y', config: { 'connector.class': 'FileStreamSink', topics: 't' }, initial_state: 'paused' }));
    assert.deepEqual(readConnectorFile(p), {
      name: 'y', config: { 'connector.class': 'FileStreamSink', topics: 't', name: 'y' }, initialState: 'PAUSED',
    });
    assert.equal(parseConnectorFile('{"name":"z","config":{},"initial_state":"RUNNING"}', 'z.json').initialState, 'STARTED');
    assert.equal(parseConnectorFile('{"name":"z","config":{},"initial_state":"STOPPED"}', 'z.json').initialState, 'STOPPED');
  });

  it('detects JSON content even without a .json extension', () => {
    assert.equal(parseConnectorFile('  {"name":"n","connector.class":"C"}', 'conn.conf').name, 'n');
  });

  it('gives clear errors', () => {
    assert.throws(() => parseConnectorFile('connector.class=X\n', 'a.properties'), /'a\.properties' is missing the mandatory 'name'/);
    assert.throws(() => parseConnectorFile('{"connector.class":"X"}', 'a.json'), /'a\.json' is missing the mandatory 'name'/);
    assert.throws(() => parseConnectorFile('{\n  "name": "x",\n  "tasks.max": 1,\n}', 'bad.json'), (e: Error) =>
      e instanceof ConfigError && /Unable to parse connector configuration file 'bad\.json': .*\(line 4, column 1\)/.test(e.message));
    assert.throws(() => parseConnectorFile('{"name":"x","config":{"name":"y"}}', 'm.json'), /doesn't match the one specified in 'name'/);
    assert.throws(() => parseConnectorFile('{"name":"x","config":{},"extra":1}', 'e.json'), /unrecognized field\(s\) 'extra'/);
    assert.throws(() => parseConnectorFile('{"name":"x","config":{},"initial_state":"GO"}', 's.json'), /invalid initial_state "GO"/);
    assert.throws(() => parseConnectorFile('{"name":"x","nested":{"a":1}}', 'n.json'), /the value of 'nested' must be a string/);
    assert.throws(() => parseConnectorFile('[1]', 'arr.json'), /must contain a JSON object/);
    assert.throws(() => readConnectorFile(join(dir, 'missing.properties')), /Cannot read .*missing\.properties/);
  });

  it('reads properties files as UTF-8, falling back to ISO-8859-1', () => {
    assert.deepEqual(readPropertiesFile(file('u.properties', 'k=café\n')), { k: 'café' });
    assert.deepEqual(readPropertiesFile(file('l.properties', Buffer.from([0x6b, 0x3d, 0x63, 0x61, 0x66, 0xe9]))), { k: 'café' });
    assert.deepEqual(readPropertiesFile(file('bom.properties', '\ufeffk=v\n')), { k: 'v' });
  });
});
