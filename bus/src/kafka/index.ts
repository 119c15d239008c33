export { KafkaBus } from './kafka-bus.js';
export { KafkaProducer } from './kafka-producer.js';
export { KafkaBusConsumer } from './kafka-consumer.js';
