import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/connect/api/index.js';
import { dialectFromName, parseJdbcUrl, redactUrl } from '../../src/connectors/jdbc/url.js';

test('PostgreSQL URLs: host, port, database and properties', () => {
  const u = parseJdbcUrl('jdbc:postgresql://db.example:6543/orders?user=app&password=s%40cret&sslmode=require');
  assert.equal(u.dialect, 'postgresql');
  assert.deepEqual(u.hosts, [{ host: 'db.example', port: 6543 }]);
  assert.equal(u.database, 'orders');
  assert.deepEqual(u.params, { user: 'app', password: 's@cret', sslmode: 'require' });
});

test('default ports, local form and missing database', () => {
  assert.deepEqual(parseJdbcUrl('jdbc:postgresql://h/db').hosts, [{ host: 'h', port: 5432 }]);
  assert.deepEqual(parseJdbcUrl('jdbc:mysql://h/db').hosts, [{ host: 'h', port: 3306 }]);
  const local = parseJdbcUrl('jdbc:postgresql:mydb');
  assert.deepEqual([local.hosts, local.database], [[{ host: 'localhost', port: 5432 }], 'mydb']);
  assert.equal(parseJdbcUrl('jdbc:mysql://h:3307').database, null);
  assert.equal(parseJdbcUrl('jdbc:mysql://h:3307/').database, null);
});

test('MySQL and MariaDB URLs, user info, IPv6 and multiple hosts', () => {
  const my = parseJdbcUrl('jdbc:mysql://root:pw@127.0.0.1:3306/test?useSSL=false&serverTimezone=UTC');
  assert.equal(my.dialect, 'mysql');
  assert.deepEqual([my.user, my.password, my.database], ['root', 'pw', 'test']);
  assert.equal(my.params.serverTimezone, 'UTC');
  const maria = parseJdbcUrl('jdbc:mariadb://[::1]:3310/shop');
  assert.deepEqual([maria.dialect, maria.subprotocol, maria.hosts], ['mysql', 'mariadb', [{ host: '::1', port: 3310 }]]);
  assert.deepEqual(parseJdbcUrl('jdbc:mysql:loadbalance://a:1,b:2/x').hosts, [{ host: 'a', port: 1 }, { host: 'b', port: 2 }]);
});

test('unsupported or malformed URLs are ConfigErrors naming connection.url', () => {
  for (const bad of ['postgresql://h/db', 'jdbc:oracle:thin:@h:1521:x', 'jdbc:sqlserver://h;databaseName=x', 'jdbc:postgresql://h:99999/db', 'jdbc:mysql:h']) {
    assert.throws(() => parseJdbcUrl(bad), (e: Error) => e instanceof ConfigError && /connection\.url/.test(e.message), bad);
  }
});

test('passwords are redacted in messages', () => {
  assert.equal(redactUrl('jdbc:postgresql://h/db?user=a&password=secret&x=1'), 'jdbc:postgresql://h/db?user=a&password=****&x=1');
  assert.equal(redactUrl('jdbc:mysql://u:secret@h/db'), 'jdbc:mysql://u:****@h/db');
});

test('dialect.name accepts Confluent dialect class names', () => {
  assert.equal(dialectFromName('PostgreSqlDatabaseDialect'), 'postgresql');
  assert.equal(dialectFromName('MySqlDatabaseDialect'), 'mysql');
  assert.equal(dialectFromName(''), null);
  assert.throws(() => dialectFromName('OracleDatabaseDialect'), ConfigError);
});
