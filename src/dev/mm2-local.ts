// mm2.properties settings for local clusters of one broker each (the demo, the scenarios, the tests and the
// benchmark): one place for what every flow on such clusters needs, so the four cannot drift apart.

/** Replication factor 1 for every topic a MirrorMaker 2 flow creates: the most a one-broker cluster can hold. */
export const SINGLE_BROKER_REPLICATION: Readonly<Record<string, string>> = {
  'replication.factor': '1',
  'offset-syncs.topic.replication.factor': '1',
  'checkpoints.topic.replication.factor': '1',
  'heartbeats.topic.replication.factor': '1',
  'offset.storage.replication.factor': '1',
  'config.storage.replication.factor': '1',
  'status.storage.replication.factor': '1',
};

/** Intervals short enough that checkpoints, group offsets and new topics or groups show up within seconds. */
export const FAST_INTERVALS: Readonly<Record<string, string>> = {
  'emit.heartbeats.interval.seconds': '1',
  'emit.checkpoints.interval.seconds': '1',
  'sync.group.offsets.interval.seconds': '1',
  'refresh.topics.interval.seconds': '2',
  'refresh.groups.interval.seconds': '2',
};
