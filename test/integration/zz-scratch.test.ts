import { test, before, after } from 'node:test';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { createTopics, digestTopic, produceMixed, endOffsets } from '../helpers/mirror.js';
let kafka: KafkaHarness;
before(async () => { kafka = await startKafka({ clusters: ['a'] }); });
after(async () => { await kafka?.stop(); });
test('digest', { timeout: 120000 }, async () => {
  const a = kafka.cluster('a');
  await createTopics(a.props, [{ topic: 't', partitions: 8 }]);
  await produceMixed(a.props, ['t'], { run: 'x', partitions: 8, count: 100000, batchSize: 5000, concurrency: 4 });
  console.log(await endOffsets(a.props, 't'));
  for (let k = 0; k < 3; k++) {
    const [d1, d2] = await Promise.all([digestTopic(a.props, 't', 8, 2), digestTopic(a.props, 't', 8, 2)]);
    console.log(d1.map((d) => d.count).join(','), d2.map((d) => d.count).join(','));
  }
});
