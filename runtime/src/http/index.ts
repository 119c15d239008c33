export { createTransport } from './create-transport.js';
export type { ChosenTransport, CreateTransportOptions, HttpServerChoice } from './create-transport.js';
export type { Exchange, HttpHandler, HttpRoute, HttpTransport, Refusal, RequestHead, ResponseOptions, Routes, ServerImplementation, StreamConnection, StreamHandlers, StreamOptions, WebSocketRoute } from './transport.js';
