// End-to-end latency probe for bench/lib/latency.ts, run with Java's single-file source launcher:
//   java -cp '<kafka lib>/*' bench/LatencyProbe.java <source> <target> <topic> <partitions> <rate> <warmupS> <measureS> <recordSize> <graceS>
// One JVM both produces (to the source, at a fixed rate, acks=all, linger.ms=0) and consumes (from the mirrored
// topic on the target), so send and arrival times come from the same System.nanoTime() clock. Each record
// carries its intended send time in header bench.t (so a producer that falls behind adds to the latency
// rather than hiding it) and its phase in bench.p (w = warm-up, m = measured). Kafka's own clients keep the
// probe cheap enough to drive rates a Node producer could not sustain on a busy 2-core machine.
// Prints MEASURE when the measured phase starts, END when the last record is handed to the producer, then
// RESULT {json} once every measured record arrived or the grace period ran out.
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class LatencyProbe {
    static final class Samples {
        double[] v = new double[1 << 16];
        int n;
        synchronized void add(double x) {
            if (n == v.length) v = Arrays.copyOf(v, n * 2);
            v[n++] = x;
        }
        synchronized double[] sorted() {
            double[] s = Arrays.copyOf(v, n);
            Arrays.sort(s);
            return s;
        }
    }

    static double pct(double[] s, double p) {
        if (s.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.min(s.length, Math.max(1, rank)) - 1];
    }

    static String summary(String prefix, double[] s) {
        double sum = 0;
        for (double x : s) sum += x;
        return String.format(java.util.Locale.ROOT, "\"%sCount\":%d,\"%sP50\":%.3f,\"%sP90\":%.3f,\"%sP99\":%.3f,\"%sP999\":%.3f,\"%sMax\":%.3f,\"%sMean\":%.3f",
            prefix, s.length, prefix, pct(s, 50), prefix, pct(s, 90), prefix, pct(s, 99), prefix, pct(s, 99.9), prefix, s.length == 0 ? Double.NaN : s[s.length - 1],
            prefix, s.length == 0 ? Double.NaN : sum / s.length).replace("NaN", "null");
    }

    public static void main(String[] a) throws Exception {
        String source = a[0], target = a[1], topic = a[2];
        int partitions = Integer.parseInt(a[3]);
        double rate = Double.parseDouble(a[4]);
        double warmup = Double.parseDouble(a[5]), measure = Double.parseDouble(a[6]);
        int recordSize = Integer.parseInt(a[7]);
        double grace = Double.parseDouble(a[8]);

        Properties cp = new Properties();
        cp.put("bootstrap.servers", target);
        cp.put("key.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("value.deserializer", ByteArrayDeserializer.class.getName());
        cp.put("enable.auto.commit", "false");
        cp.put("fetch.max.wait.ms", "100");
        cp.put("client.id", "ferry-bench-latency-consumer");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp);
        List<TopicPartition> tps = new ArrayList<>();
        for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
        consumer.assign(tps);
        consumer.seekToBeginning(tps);

        Samples latency = new Samples();
        Samples acks = new Samples();
        AtomicLong received = new AtomicLong();
        AtomicLong measuredSent = new AtomicLong(-1);
        long[] graceDeadline = { Long.MAX_VALUE };
        Thread reader = new Thread(() -> {
            while (true) {
                long expected = measuredSent.get();
                if (expected >= 0 && (received.get() >= expected || System.nanoTime() > graceDeadline[0])) break;
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    Header t = r.headers().lastHeader("bench.t");
                    Header ph = r.headers().lastHeader("bench.p");
                    if (t == null || ph == null || ph.value().length == 0 || ph.value()[0] != 'm') continue;
                    latency.add((now - ByteBuffer.wrap(t.value()).getLong()) / 1e6);
                    received.incrementAndGet();
                }
            }
            consumer.close();
        }, "latency-consumer");
        reader.start();

        Properties pp = new Properties();
        pp.put("bootstrap.servers", source);
        pp.put("key.serializer", ByteArraySerializer.class.getName());
        pp.put("value.serializer", ByteArraySerializer.class.getName());
        pp.put("acks", "all");
        pp.put("linger.ms", "0");
        pp.put("client.id", "ferry-bench-latency-producer");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp);
        byte[] value = new byte[recordSize];
        Arrays.fill(value, (byte) 'b');
        byte[] W = { 'w' }, M = { 'm' };
        long total = (long) Math.floor(rate * (warmup + measure));
        long start = System.nanoTime();
        long warmEnd = start + (long) (warmup * 1e9);
        long created = 0, measured = 0;
        boolean announced = false;
        AtomicLong failed = new AtomicLong();
        while (created < total) {
            long now = System.nanoTime();
            if (!announced && now >= warmEnd) { announced = true; System.out.println("MEASURE"); System.out.flush(); }
            long due = Math.min(total, (long) Math.floor((now - start) / 1e9 * rate));
            for (; created < due; created++) {
                final long sched = start + (long) (created / rate * 1e9);
                boolean inMeasure = sched >= warmEnd;
                if (inMeasure) measured++;
                ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, (int) (created % partitions), null, value);
                rec.headers().add("bench.t", ByteBuffer.allocate(8).putLong(sched).array());
                rec.headers().add("bench.p", inMeasure ? M : W);
                producer.send(rec, (md, e) -> {
                    if (e != null) failed.incrementAndGet();
                    else acks.add((System.nanoTime() - sched) / 1e6);
                });
            }
            LockSupport.parkNanos(200_000);
        }
        if (!announced) System.out.println("MEASURE");
        System.out.println("END");
        System.out.flush();
        long produceEnd = System.nanoTime();
        producer.flush();
        producer.close();
        graceDeadline[0] = System.nanoTime() + (long) (grace * 1e9);
        measuredSent.set(measured - failed.get());
        reader.join();
        double seconds = (produceEnd - start) / 1e9;
        System.out.println("RESULT {" + String.format(java.util.Locale.ROOT, "\"sent\":%d,\"failed\":%d,\"received\":%d,\"achievedRate\":%.0f,", measured, failed.get(), received.get(), total / seconds)
            + summary("lat", latency.sorted()) + "," + summary("ack", acks.sorted()) + "}");
        System.out.flush();
    }
}
