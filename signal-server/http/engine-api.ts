// The part of uWebSockets.js's API the server uses, as types: the native module satisfies it as is, and the
// fallback (fallback-engine.ts) implements it on node:http + `ws`. Which one runs: engine.ts.

export type EngineKind = 'native' | 'fallback';

/** The part of uWebSockets.js's API the server uses; the native module satisfies it as is. */
export interface EngineRequest {
  /** Lowercase method. */
  getMethod(): string;
  /** Path without the query string. */
  getUrl(): string;
  getHeader(lowerCaseKey: string): string;
  /** Decoded query parameter. */
  getQuery(key: string): string | undefined;
}

export interface EngineResponse {
  writeStatus(status: string): EngineResponse;
  writeHeader(key: string, value: string): EngineResponse;
  end(body?: string): EngineResponse;
  onAborted(handler: () => void): EngineResponse;
  cork(callback: () => void): EngineResponse;
  /** The request body in chunks, the last one with `isLast`; a chunk's memory is gone when the handler returns. */
  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): EngineResponse;
  /** The peer's IP address as text (IPv4, or IPv6 possibly IPv4-mapped). */
  getRemoteAddressAsText(): ArrayBuffer;
  upgrade<UserData>(
    userData: UserData,
    key: string,
    protocol: string,
    extensions: string,
    context: unknown,
  ): void;
}

export interface EngineSocket<UserData> {
  getUserData(): UserData;
  /** 1 sent, 0 buffered (backpressure), 2 dropped (over maxBackpressure). */
  send(message: string, isBinary?: boolean): number;
  getBufferedAmount(): number;
  end(code?: number, reason?: string): void;
}

export interface EngineSocketBehavior<UserData> {
  maxPayloadLength: number;
  maxBackpressure: number;
  idleTimeout: number;
  sendPingsAutomatically: boolean;
  upgrade: (res: EngineResponse, req: EngineRequest, context: unknown) => void;
  open: (ws: EngineSocket<UserData>) => void;
  message: (ws: EngineSocket<UserData>, data: ArrayBuffer, isBinary: boolean) => void;
  close: (ws: EngineSocket<UserData>, code: number, reason: ArrayBuffer) => void;
}

export interface EngineApp {
  ws<UserData>(pattern: string, behavior: EngineSocketBehavior<UserData>): EngineApp;
  any(pattern: string, handler: (res: EngineResponse, req: EngineRequest) => void): EngineApp;
  /** `options` 1 = exclusive port (uWS otherwise shares a busy port via SO_REUSEPORT). */
  listen(host: string, port: number, options: number, callback: (listenSocket: unknown) => void): EngineApp;
  /** All interfaces (IPv6 and IPv4). uWS ignores the port when given an empty host, hence this form. */
  listen(port: number, options: number, callback: (listenSocket: unknown) => void): EngineApp;
  /** Closes the listen socket and every open connection. */
  close(): EngineApp;
}

export interface UwsModule {
  App(): EngineApp;
  us_listen_socket_close(listenSocket: unknown): void;
  us_socket_local_port(listenSocket: unknown): number;
}

export interface Engine {
  kind: EngineKind;
  uws: UwsModule;
}
