// Loads uWebSockets.js and tells whether its native binary loaded. The package silently returns a `ws`
// shim when the binary does not fit this Node.js build; we detect that and use our own fallback instead.
import { createRequire } from 'node:module';
import { createFallbackUws } from './fallback-engine';

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

// Not named `require`: build.mjs prepends its own top-level `require` to the bundle.
const requireModule = createRequire(import.meta.url);

/** Swap in the official build by changing the package alias only: the import name stays uWebSockets.js. */
const UWS = 'uWebSockets.js';

export function loadEngine(): Engine {
  const uws: unknown = requireModule(UWS);
  if (isNativeAddon(uws)) return { kind: 'native', uws: uws as UwsModule };
  // The shim cannot serve us (no upgrade handler, no user data, query strings break routing), so the
  // fallback is ours, on the same `ws` package the shim would have used.
  const requireFromUws = createRequire(requireModule.resolve(UWS));
  return { kind: 'fallback', uws: createFallbackUws(requireFromUws('ws')) };
}

/** Native iff the module object is the exports of a loaded `.node` file, whatever path led there. */
function isNativeAddon(exports: unknown): boolean {
  return Object.values(requireModule.cache).some(
    (module) => module !== undefined && module.exports === exports && module.filename.endsWith('.node'),
  );
}
