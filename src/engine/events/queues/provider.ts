/**
 * External event queues (Conductor's `EventQueueProvider` / `ObservableQueue`): a provider serves one
 * queue type (`sqs`), and consumes a queue by name for the handlers whose `event` is `<type>:<name>`.
 * Messages are acknowledged (deleted) only after the engine has committed what they caused, so a crash
 * in between redelivers them and the engine's dedupe recognises them.
 */

/** A message as an external queue hands it over. */
export interface ReceivedMessage {
  /** The queue's own message id (SQS MessageId), the same on every redelivery. */
  id: string;
  /** The payload, as sent (Conductor: the SQS message body is the payload). */
  body: string;
  /** How many times the queue has delivered it, this delivery included (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

/** What the engine did with a message; each outcome is acknowledged. */
export type IngestOutcome = 'processed' | 'duplicate' | 'rejected';

/** The engine side of a consumer. Both run synchronously and commit before returning. */
export interface MessageSink {
  /** Records the message and runs its handlers' actions; throws when nothing could be committed. */
  ingest(message: ReceivedMessage): IngestOutcome;
  /** Records a message that is given up on (it failed too often), with the reason. */
  reject(message: ReceivedMessage, reason: string): void;
}

export interface EventQueueProvider {
  /** The part of an event string before the first `:`. */
  readonly type: string;
  /**
   * Consumes queue `name` (creating it when it does not exist) until `signal` aborts; resolves once
   * stopped. Each message goes to `sink.ingest` and is acknowledged after it returns.
   */
  consume(name: string, sink: MessageSink, signal: AbortSignal): Promise<void>;
}
