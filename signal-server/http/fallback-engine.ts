// A stand-in for uWebSockets.js on node:http + `ws`, used only when the native binary does not load and
// the operator passed --allow-fallback. Same surface as the native module; slower and heavier per socket.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type {
  EngineApp,
  EngineRequest,
  EngineResponse,
  EngineSocket,
  EngineSocketBehavior,
  UwsModule,
} from './engine-api';

/** The few members of the `ws` package used here (it ships no types of its own). */
interface WsSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string, options: { binary: boolean }): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

interface WsServer {
  readonly clients: Set<WsSocket>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WsSocket) => void): void;
}

export interface WsModule {
  WebSocketServer: new (options: { noServer: true; maxPayload: number }) => WsServer;
}

const OPEN = 1;

export function createFallbackUws(ws: WsModule): UwsModule {
  return {
    App: () => new FallbackApp(ws),
    us_listen_socket_close: (server) => (server as Server).close(),
    us_socket_local_port: (server) => ((server as Server).address() as AddressInfo).port,
  };
}

type HttpHandler = (res: EngineResponse, req: EngineRequest) => void;
type Listening = (listenSocket: unknown) => void;

class FallbackApp implements EngineApp {
  private readonly server: Server;
  private readonly sockets = new Map<string, { behavior: EngineSocketBehavior<unknown>; wss: WsServer }>();
  private readonly routes: { pattern: string; handler: HttpHandler }[] = [];

  constructor(private readonly wsModule: WsModule) {
    this.server = createServer((req, res) => {
      const request = new FallbackRequest(req);
      const route = this.routes.find(({ pattern }) => pattern === '/*' || pattern === request.getUrl());
      if (!route) res.writeHead(404).end();
      else route.handler(new FallbackResponse(req, res), request);
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
  }

  ws<UserData>(pattern: string, behavior: EngineSocketBehavior<UserData>): EngineApp {
    const wss = new this.wsModule.WebSocketServer({ noServer: true, maxPayload: behavior.maxPayloadLength });
    this.sockets.set(pattern, { behavior: behavior as EngineSocketBehavior<unknown>, wss });
    return this;
  }

  any(pattern: string, handler: HttpHandler): EngineApp {
    this.routes.push({ pattern, handler });
    return this;
  }

  listen(...args: [string, number, number, Listening] | [number, number, Listening]): EngineApp {
    const [host, port, , callback] = args.length === 4 ? args : [undefined, ...args];
    this.server.once('error', () => callback(false));
    // node:http never shares a busy port, so every listen is exclusive as asked.
    this.server.listen({ host, port }, () => callback(this.server));
    return this;
  }

  close(): EngineApp {
    for (const { wss } of this.sockets.values()) for (const client of wss.clients) client.terminate();
    this.server.closeAllConnections();
    this.server.close();
    return this;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const request = new FallbackRequest(req);
    const route = this.sockets.get(request.getUrl());
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = (userData: unknown) =>
      route.wss.handleUpgrade(req, socket, head, (ws) => {
        const wrapper = new FallbackSocket(ws, userData, route.behavior.maxBackpressure);
        // `ws` reports an oversized frame as an error and then closes with 1009; the close event follows.
        ws.on('error', () => {});
        ws.on('message', (data, isBinary) => route.behavior.message(wrapper, toArrayBuffer(data), isBinary));
        ws.on('close', (code, reason) => route.behavior.close(wrapper, code, toArrayBuffer(reason)));
        route.behavior.open(wrapper);
      });
    route.behavior.upgrade(new FallbackUpgrade(socket, accept), request, null);
  }
}

class FallbackSocket<UserData> implements EngineSocket<UserData> {
  constructor(
    private readonly ws: WsSocket,
    private readonly userData: UserData,
    private readonly maxBackpressure: number,
  ) {}

  getUserData(): UserData {
    return this.userData;
  }

  send(message: string, isBinary = false): number {
    if (this.ws.readyState !== OPEN || this.ws.bufferedAmount > this.maxBackpressure) return 2;
    this.ws.send(message, { binary: isBinary });
    return this.ws.bufferedAmount > 0 ? 0 : 1;
  }

  getBufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  end(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
}

class FallbackRequest implements EngineRequest {
  private readonly path: string;
  private readonly query: string;

  constructor(private readonly req: IncomingMessage) {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    this.path = mark === -1 ? url : url.slice(0, mark);
    this.query = mark === -1 ? '' : url.slice(mark + 1);
  }

  getMethod(): string {
    return (this.req.method ?? 'GET').toLowerCase();
  }

  getUrl(): string {
    return this.path;
  }

  getHeader(lowerCaseKey: string): string {
    const value = this.req.headers[lowerCaseKey];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  }

  getQuery(key: string): string | undefined {
    return new URLSearchParams(this.query).get(key) ?? undefined;
  }
}

class FallbackResponse implements EngineResponse {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  writeStatus(status: string): EngineResponse {
    this.res.statusCode = Number.parseInt(status, 10);
    return this;
  }

  writeHeader(key: string, value: string): EngineResponse {
    this.res.setHeader(key, value);
    return this;
  }

  end(body = ''): EngineResponse {
    this.res.end(body);
    return this;
  }

  onAborted(handler: () => void): EngineResponse {
    this.res.on('close', () => {
      if (!this.res.writableFinished) handler();
    });
    return this;
  }

  cork(callback: () => void): EngineResponse {
    callback();
    return this;
  }

  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): EngineResponse {
    this.req.on('data', (chunk: Buffer) => handler(toArrayBuffer(chunk), false));
    this.req.on('end', () => handler(new ArrayBuffer(0), true));
    return this;
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return addressText(this.res.socket?.remoteAddress);
  }

  upgrade(): void {
    throw new Error('an HTTP response cannot be upgraded; register the path with ws()');
  }
}

/** The response object a WebSocket upgrade handler gets: it can accept (upgrade) or answer plain HTTP. */
class FallbackUpgrade implements EngineResponse {
  private status = '200 OK';
  private readonly headers: string[] = [];

  constructor(
    private readonly socket: Duplex,
    private readonly accept: (userData: unknown) => void,
  ) {}

  writeStatus(status: string): EngineResponse {
    this.status = status;
    return this;
  }

  writeHeader(key: string, value: string): EngineResponse {
    this.headers.push(`${key}: ${value}\r\n`);
    return this;
  }

  end(body = ''): EngineResponse {
    const length = Buffer.byteLength(body);
    this.socket.end(
      `HTTP/1.1 ${this.status}\r\n${this.headers.join('')}Content-Length: ${length}\r\n\r\n${body}`,
    );
    return this;
  }

  onAborted(handler: () => void): EngineResponse {
    this.socket.on('close', handler);
    return this;
  }

  cork(callback: () => void): EngineResponse {
    callback();
    return this;
  }

  onData(): EngineResponse {
    throw new Error('an upgrade request has no body to read');
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return addressText((this.socket as Duplex & { remoteAddress?: string }).remoteAddress);
  }

  upgrade<UserData>(userData: UserData): void {
    this.accept(userData);
  }
}

function addressText(address: string | undefined): ArrayBuffer {
  return toArrayBuffer(Buffer.from(address ?? ''));
}

function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}
