/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a raw, unencoded 社保 in the address,
 * a malformed request line, headers past the size limit, a request that never finished) are answered
 * in the platform's error shape, in Chinese, instead of Fastify's English default.
 */
import type { Socket } from "node:net";
import { apiError } from "./errors.ts";

const ANSWERS: Record<string, { status: number; reason: string; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: "Request Timeout",
    code: "timeout",
    message: "请求超时，请重试",
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    code: "too_large",
    message: "请求头过大",
  },
};
const MALFORMED = {
  status: 400,
  reason: "Bad Request",
  code: "bad_request",
  message: "请求格式有误：网址中的中文等字符须经过编码（浏览器会自动处理）",
};

/** Fastify's `clientErrorHandler` option. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const answer = ANSWERS[error.code ?? ""] ?? MALFORMED;
  const body = JSON.stringify(apiError(answer.code, answer.message));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}
