// Secured local clusters (ferry dev / test harness) with the default Kafka: see dev-secure-suite.ts.
// Another version: FERRY_TEST_KAFKA_VERSION=4.1.1 node scripts/run-tests.mjs test/integration/dev-secure.test.ts
import { testKafkaVersion } from '../helpers/kafka.js';
import { secureClusterSuite } from './dev-secure-suite.js';

secureClusterSuite(testKafkaVersion());
