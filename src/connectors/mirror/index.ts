// Pure mirroring logic (no Kafka I/O): wire formats, replication policies, filters, loop prevention,
// exact and MM2-compatible offset translation, checkpoints, topic-config/ACL sync, connector and mm2.properties configs.
export * from './wire-codec.js';
export * from './offset-sync.js';
export * from './checkpoint.js';
export * from './heartbeat.js';
export * from './replication-policy.js';
export * from './provenance.js';
export * from './filters.js';
export * from './offset-map.js';
export * from './mm2-translation.js';
export * from './checkpoints.js';
export * from './topic-config-sync.js';
export * from './mirror-config.js';
export * from './mm2-properties.js';
