// Commands the benchmark sends to a load-client process over IPC, and the replies; both ends import this file.

export type LoadCommand =
  /**
   * Open `count` PeerJS WebSockets with ids `<prefix>-<n>`; reply once each got OPEN (or failed). Receivers
   * (odd sockets) connect to `receiverPort` when given: pairs across two servers (cluster benchmark).
   */
  | {
      type: 'open';
      port: number;
      receiverPort?: number;
      prefix: string;
      count: number;
      concurrency: number;
      heartbeatMs: number;
    }
  /**
   * Relay OFFERs from socket 2k to socket 2k+1. `rate`: `messages` at a fixed total rate.
   * `saturate`: each pair keeps `window` OFFERs in flight for `seconds` (closed loop, max throughput).
   */
  | { type: 'rate'; messages: number; rate: number }
  | { type: 'saturate'; seconds: number; window: number }
  /** Close every socket and wait until each is closed. */
  | { type: 'close' };

export interface OpenedReply {
  type: 'opened';
  opened: number;
  failed: number;
  /** Up to a few distinct failure reasons, for the operator. */
  errors: string[];
  ms: number;
}

export interface RelayedReply {
  type: 'relayed';
  sent: number;
  received: number;
  /** From the first OFFER sent to the last one received. */
  ms: number;
  /** Bytes of one OFFER frame as sent by the client. */
  frameBytes: number;
  /** Sampled relayed OFFERs whose `src` was not the sender's id or whose payload changed. */
  corrupted: number;
  /** Other messages the receivers and senders got (ERROR, EXPIRE, ...), by type. */
  others: Record<string, number>;
}

export type LoadReply =
  | OpenedReply
  | RelayedReply
  | { type: 'closed'; closed: number }
  | { type: 'failed'; message: string };
