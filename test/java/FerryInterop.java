// Kafka's own Java code, run against what Ferry (or Apache MM2) left on a cluster. The integration tests compile
// this file with javac against the Kafka jars Ferry fetched and run one subcommand per check; each prints one
// line `RESULT <json>` on stdout. Nothing here re-implements a format: every record is read by the class a Java
// Connect worker, MirrorMaker 2 or a MirrorClient user would read it with.
//
//   translate <bootstrap> <remoteAlias> <group>...          RemoteClusterUtils.translateOffsets, per group
//   client <bootstrap> <alias>...                           MirrorClient: upstreamClusters, heartbeat/checkpoint
//                                                           topics, replicationHops(alias) for each alias
//   mirror-records <bootstrap> <kind>:<topic>...            OffsetSync/Checkpoint/Heartbeat.deserializeRecord
//                                                           over every record (kind: offset-syncs|checkpoints|heartbeats)
//   connect-stores <bootstrap> <config> <offsets> <status>  KafkaConfigBackingStore snapshot, KafkaStatusBackingStore,
//                  <offsetsNamespace>...                    KafkaOffsetBackingStore + OffsetStorageReaderImpl lookups
//
// Optional system property -Dferry.replication.policy.class=<class> for the mirror client commands.
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.Heartbeat;
import org.apache.kafka.connect.mirror.MirrorClient;
import org.apache.kafka.connect.mirror.OffsetSync;
import org.apache.kafka.connect.mirror.RemoteClusterUtils;
import org.apache.kafka.connect.runtime.ConnectorStatus;
import org.apache.kafka.connect.runtime.TaskStatus;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.ClusterConfigState;
import org.apache.kafka.connect.storage.KafkaConfigBackingStore;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.storage.KafkaStatusBackingStore;
import org.apache.kafka.connect.storage.OffsetStorageReaderImpl;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.TopicAdmin;

public class FerryInterop {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        if (args.length < 2) throw new IllegalArgumentException("usage: FerryInterop <command> <bootstrap> ...");
        Object result;
        switch (args[0]) {
            case "translate" -> {
                Map<String, Object> byGroup = new TreeMap<>();
                for (String group : List.of(args).subList(3, args.length)) byGroup.put(group, translate(args[1], args[2], group));
                result = byGroup;
            }
            case "client" -> result = client(args[1], List.of(args).subList(2, args.length));
            case "mirror-records" -> result = mirrorRecords(args[1], List.of(args).subList(2, args.length));
            case "connect-stores" -> result = connectStores(args[1], args[2], args[3], args[4], List.of(args).subList(5, args.length));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
        System.out.println("RESULT " + JSON.writeValueAsString(result));
        System.out.flush();
        // Connect's stores leave non-daemon threads behind on some versions; the answer is printed, so leave.
        System.exit(0);
    }

    private static Map<String, Object> clientProps(String bootstrap) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        String policy = System.getProperty("ferry.replication.policy.class");
        if (policy != null && !policy.isEmpty()) props.put("replication.policy.class", policy);
        return props;
    }

    private static List<Map<String, Object>> translate(String bootstrap, String remoteAlias, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = RemoteClusterUtils.translateOffsets(clientProps(bootstrap), remoteAlias, group, Duration.ofSeconds(30));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("topic", e.getKey().topic());
            m.put("partition", e.getKey().partition());
            m.put("offset", e.getValue().offset());
            m.put("metadata", e.getValue().metadata());
            out.add(m);
        }
        out.sort((a, b) -> (a.get("topic") + "/" + a.get("partition")).compareTo(b.get("topic") + "/" + b.get("partition")));
        return out;
    }

    private static Map<String, Object> client(String bootstrap, List<String> aliases) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        try (MirrorClient client = new MirrorClient(clientProps(bootstrap))) {
            out.put("upstreamClusters", new ArrayList<>(new java.util.TreeSet<>(client.upstreamClusters())));
            out.put("heartbeatTopics", new ArrayList<>(new java.util.TreeSet<>(client.heartbeatTopics())));
            out.put("checkpointTopics", new ArrayList<>(new java.util.TreeSet<>(client.checkpointTopics())));
            Map<String, Object> hops = new TreeMap<>();
            for (String alias : aliases) hops.put(alias, client.replicationHops(alias));
            out.put("replicationHops", hops);
        }
        return out;
    }

    /** Every record of partition 0..n of a topic, from the beginning to the end at start. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", bootstrap);
        props.put("enable.auto.commit", "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> tps.add(new TopicPartition(topic, p.partition())));
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(30));
            List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 60_000;
            while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("timed out reading " + topic);
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    private static Map<String, Object> mirrorRecords(String bootstrap, List<String> specs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String spec : specs) {
            int colon = spec.indexOf(':');
            String kind = spec.substring(0, colon);
            String topic = spec.substring(colon + 1);
            Function<ConsumerRecord<byte[], byte[]>, Map<String, Object>> decode = switch (kind) {
                case "offset-syncs" -> r -> {
                    OffsetSync s = OffsetSync.deserializeRecord(r);
                    return ordered("topic", s.topicPartition().topic(), "partition", s.topicPartition().partition(), "upstreamOffset", s.upstreamOffset(), "downstreamOffset", s.downstreamOffset());
                };
                case "checkpoints" -> r -> {
                    Checkpoint c = Checkpoint.deserializeRecord(r);
                    return ordered("group", c.consumerGroupId(), "topic", c.topicPartition().topic(), "partition", c.topicPartition().partition(), "upstreamOffset", c.upstreamOffset(), "downstreamOffset", c.downstreamOffset(), "metadata", c.metadata());
                };
                case "heartbeats" -> r -> {
                    Heartbeat h = Heartbeat.deserializeRecord(r);
                    return ordered("sourceClusterAlias", h.sourceClusterAlias(), "targetClusterAlias", h.targetClusterAlias(), "timestamp", h.timestamp());
                };
                default -> throw new IllegalArgumentException("unknown record kind " + kind);
            };
            List<Map<String, Object>> decoded = new ArrayList<>();
            List<String> failures = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, topic)) {
                try {
                    Map<String, Object> m = decode.apply(r);
                    m.put("offset", r.offset());
                    decoded.add(m);
                } catch (RuntimeException e) {
                    failures.add("offset " + r.offset() + ": " + e);
                }
            }
            out.put(topic, ordered("kind", kind, "records", decoded, "failures", failures));
        }
        return out;
    }

    private static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static JsonConverter internalConverter(boolean isKey) {
        // What a Java worker uses for its internal topics: JsonConverter, schemas.enable=false.
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "false"), isKey);
        return c;
    }

    private static Map<String, Object> connectStores(String bootstrap, String configTopic, String offsetsTopic, String statusTopic, List<String> namespaces) throws Exception {
        Map<String, String> workerProps = new HashMap<>();
        workerProps.put("bootstrap.servers", bootstrap);
        workerProps.put("group.id", "ferry-interop-reader");
        workerProps.put("config.storage.topic", configTopic);
        workerProps.put("offset.storage.topic", offsetsTopic);
        workerProps.put("status.storage.topic", statusTopic);
        workerProps.put("config.storage.replication.factor", "1");
        workerProps.put("offset.storage.replication.factor", "1");
        workerProps.put("status.storage.replication.factor", "1");
        workerProps.put("key.converter", JsonConverter.class.getName());
        workerProps.put("value.converter", JsonConverter.class.getName());
        DistributedConfig config = new DistributedConfig(workerProps);
        Map<String, Object> adminProps = new HashMap<>();
        adminProps.put("bootstrap.servers", bootstrap);
        Supplier<TopicAdmin> admin = () -> new TopicAdmin(adminProps);
        Map<String, Object> out = new LinkedHashMap<>();

        KafkaConfigBackingStore configStore = new KafkaConfigBackingStore(internalConverter(false), config, null, admin, "ferry-interop-config");
        configStore.start();
        try {
            ClusterConfigState state = configStore.snapshot();
            Map<String, Object> connectors = new TreeMap<>();
            for (String name : state.connectors()) {
                List<Map<String, String>> tasks = new ArrayList<>();
                for (ConnectorTaskId id : state.tasks(name)) tasks.add(new TreeMap<>(state.rawTaskConfig(id)));
                connectors.put(name, ordered(
                    "config", new TreeMap<>(state.rawConnectorConfig(name)),
                    "targetState", String.valueOf(state.targetState(name)),
                    "taskCount", state.taskCount(name),
                    "tasks", tasks));
            }
            out.put("connectors", connectors);
            out.put("inconsistentConnectors", new ArrayList<>(state.inconsistentConnectors()));
            out.put("sessionKey", state.sessionKey() == null ? null : ordered(
                "algorithm", state.sessionKey().key().getAlgorithm(),
                "keyBytes", state.sessionKey().key().getEncoded().length,
                "creationTimestamp", state.sessionKey().creationTimestamp()));
        } finally {
            configStore.stop();
        }

        KafkaStatusBackingStore statusStore = new KafkaStatusBackingStore(Time.SYSTEM, internalConverter(false), admin, "ferry-interop-status");
        statusStore.configure(config);
        statusStore.start();
        try {
            Map<String, Object> statuses = new TreeMap<>();
            for (String name : statusStore.connectors()) {
                ConnectorStatus cs = statusStore.get(name);
                List<Map<String, Object>> tasks = new ArrayList<>();
                Collection<TaskStatus> all = statusStore.getAll(name);
                for (TaskStatus ts : all) tasks.add(ordered("task", ts.id().task(), "state", String.valueOf(ts.state()), "workerId", ts.workerId(), "generation", ts.generation(), "trace", ts.trace()));
                tasks.sort((a, b) -> Integer.compare((Integer) a.get("task"), (Integer) b.get("task")));
                statuses.put(name, ordered(
                    "state", cs == null ? null : String.valueOf(cs.state()),
                    "workerId", cs == null ? null : cs.workerId(),
                    "generation", cs == null ? null : cs.generation(),
                    "trace", cs == null ? null : cs.trace(),
                    "tasks", tasks));
            }
            out.put("status", statuses);
        } finally {
            statusStore.stop();
        }

        KafkaOffsetBackingStore offsetStore = new KafkaOffsetBackingStore(admin, () -> "ferry-interop-offsets", internalConverter(true));
        offsetStore.configure(config);
        offsetStore.start();
        try {
            Map<String, Object> offsets = new TreeMap<>();
            for (String namespace : namespaces) {
                Set<Map<String, Object>> partitions = offsetStore.connectorPartitions(namespace);
                // The lookup a Java source task makes: the partition map serialized again by Java, compared byte for byte.
                OffsetStorageReaderImpl reader = new OffsetStorageReaderImpl(offsetStore, namespace, internalConverter(true), internalConverter(false));
                Map<Map<String, Object>, Map<String, Object>> found = reader.offsets(partitions);
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Map<String, Object> p : partitions) rows.add(ordered("partition", new TreeMap<>(p), "offset", found.get(p)));
                rows.sort((a, b) -> a.get("partition").toString().compareTo(b.get("partition").toString()));
                offsets.put(namespace, rows);
            }
            out.put("offsets", offsets);
        } finally {
            offsetStore.stop();
        }
        return out;
    }
}
