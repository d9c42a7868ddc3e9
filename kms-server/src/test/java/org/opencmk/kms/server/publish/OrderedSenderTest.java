package org.opencmk.kms.server.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Once a send of a batch failed, nothing later of that batch reaches Kafka: the producer is closed
 * with what is pending in it, the rest of the batch is refused, and the next batch goes through a
 * new producer. (KmsToAuditConsumerIT proves the order end to end through a broker outage.)
 */
class OrderedSenderTest {

    private final List<MockProducer<String, byte[]>> made = new ArrayList<>();
    private final OrderedSender sender = new OrderedSender(() -> {
        MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
                new ByteArraySerializer());
        made.add(producer);
        return producer;
    });

    @Test
    void aFailedSendClosesItsProducerAndRefusesTheRestOfTheBatch() {
        sender.beginBatch();
        var first = sender.send(record("first"));
        var second = sender.send(record("second"));
        made.get(0).errorNext(new TimeoutException("expired"));

        assertThat(first).isDone();
        assertThatThrownBy(first::get).hasCauseInstanceOf(TimeoutException.class);
        // Closed at once: a KafkaProducer drops what is pending in it (MockProducer merely stops).
        assertThat(made.get(0).closed()).isTrue();
        assertThat(second).isNotNull();
        assertThatThrownBy(() -> sender.send(record("third"))).isInstanceOf(IllegalStateException.class);

        sender.beginBatch();
        sender.send(record("first"));
        assertThat(made).hasSize(2);
        made.get(1).completeNext();
        assertThat(made.get(1).history()).extracting(ProducerRecord::key).containsExactly("first");
    }

    @Test
    void anAbandonedBatchLeavesNothingPendingBehind() {
        sender.beginBatch();
        var pending = sender.send(record("waiting"));
        sender.abandonBatch();

        assertThat(made.get(0).closed()).isTrue();
        assertThat(pending).isNotNull();
        assertThatThrownBy(() -> sender.send(record("later"))).isInstanceOf(IllegalStateException.class);
    }

    private static ProducerRecord<String, byte[]> record(String key) {
        return new ProducerRecord<>("kms.audit", key, new byte[] {1});
    }
}
