// Secured local clusters on the Kafka 3.9 line ($FERRY_TEST_KAFKA3_VERSION, default 3.9.1), as CI fetches it.
import { secureClusterSuite } from './dev-secure-suite.js';

secureClusterSuite(process.env.FERRY_TEST_KAFKA3_VERSION || '3.9.1');
